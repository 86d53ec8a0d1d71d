//go:build !unix

package toolbuild

// lockFile does not lock where flock(2) is missing: concurrent builds then
// both run, and the rename into place keeps the binary whole.
func lockFile(string) (unlock func(), err error) {
	return func() {}, nil
}
