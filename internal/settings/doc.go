// Package settings is where a logger's configuration is resolved: every
// setting is typed, read from its option, else its variable, else its
// default, in one place, once, when the logger is built. The root package's
// options are thin constructors over it.
package settings
