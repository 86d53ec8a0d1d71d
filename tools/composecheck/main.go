// Command composecheck validates a Compose file without a Docker engine,
// with compose-go, the Compose specification's reference Go library (the
// loader docker compose itself uses): the file must load (schema, types,
// interpolation, depends_on, networks and volumes resolved), and then the
// checks a parser cannot make, which would otherwise reach users first:
//
//   - every bind-mounted host path exists;
//   - every build context exists and holds its Dockerfile;
//   - every image names an explicit tag other than "latest";
//   - no host port is published twice.
//
// Usage, from the repository root (this folder is its own module, so the
// library's go.mod never depends on compose-go):
//
//	go -C tools/composecheck run . "$PWD/docker-compose.yml"
//
// It prints one line per service and exits 1 with every problem found.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: composecheck <compose file>")
		os.Exit(2)
	}
	p, err := Load(context.Background(), os.Args[1])
	if err == nil {
		err = Check(p)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "composecheck: %s:\n%v\n", os.Args[1], err)
		os.Exit(1)
	}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		what := s.Image
		if s.Build != nil {
			what = "build " + s.Build.Dockerfile
		}
		fmt.Printf("composecheck: service %-15s %s\n", name, what)
	}
	fmt.Printf("composecheck: %s is valid (%d services)\n", os.Args[1], len(p.Services))
}

// Load loads and validates a Compose file the way docker compose does,
// with the process environment for interpolation and the file's folder as
// the project folder.
func Load(ctx context.Context, file string) (*types.Project, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithName("composecheck"),
	)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	return p, nil
}

// Check returns every problem of p that loading does not catch, joined.
func Check(p *types.Project) error {
	var errs []error
	ports := map[string]string{} // host ip:port/protocol -> service
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("service %s: "+format, append([]any{name}, args...)...))
		}
		if s.Build != nil {
			ctxDir := s.Build.Context
			if fi, err := os.Stat(ctxDir); err != nil || !fi.IsDir() {
				fail("build context %s is not a folder", ctxDir)
			} else {
				df := s.Build.Dockerfile
				if df == "" {
					df = "Dockerfile"
				}
				if !filepath.IsAbs(df) {
					df = filepath.Join(ctxDir, df)
				}
				if _, err := os.Stat(df); err != nil {
					fail("Dockerfile %s: %v", df, err)
				}
			}
		} else if err := checkImage(s.Image); err != nil {
			fail("%v", err)
		}
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				fail("bind mount source %s (for %s) does not exist", v.Source, v.Target)
			}
		}
		for _, port := range s.Ports {
			if port.Published == "" {
				continue
			}
			key := fmt.Sprintf("%s:%s/%s", port.HostIP, port.Published, port.Protocol)
			if other, dup := ports[key]; dup {
				fail("host port %s is already published by %s", key, other)
			}
			ports[key] = name
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// checkImage requires a reference with an explicit tag (or digest) other
// than latest: the stack must start the versions it was checked against.
func checkImage(ref string) error {
	if ref == "" {
		return errors.New("neither image nor build")
	}
	if strings.Contains(ref, "@sha256:") {
		return nil
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	if !ok || tag == "" {
		return fmt.Errorf("image %s has no tag: pin a version", ref)
	}
	if tag == "latest" {
		return fmt.Errorf("image %s: pin a version, not latest", ref)
	}
	return nil
}
