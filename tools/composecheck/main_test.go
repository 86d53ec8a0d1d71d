package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepositoryComposeFile checks the repository's docker-compose.yml:
// the file users run.
func TestRepositoryComposeFile(t *testing.T) {
	p, err := Load(context.Background(), filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"app", "otel-collector", "victorialogs", "jaeger", "grafana"} {
		if _, ok := p.Services[want]; !ok {
			t.Errorf("no service %s", want)
		}
	}
}

// TestFindsWhatUsersWouldHit: each broken file is reported with its reason.
func TestFindsWhatUsersWouldHit(t *testing.T) {
	for _, tc := range []struct {
		name, compose, want string
	}{
		{"schema", "services:\n  a:\n    image: x:1\n    portz: [1]\n", "portz"},
		{"unknown dependency", "services:\n  a:\n    image: x:1\n    depends_on: [b]\n", "b"},
		{"missing mount", "services:\n  a:\n    image: x:1\n    volumes: [./nope.yaml:/etc/x.yaml:ro]\n", "nope.yaml"},
		{"untagged image", "services:\n  a:\n    image: grafana/grafana\n", "no tag"},
		{"latest", "services:\n  a:\n    image: localhost:5000/x:latest\n", "not latest"},
		{"missing Dockerfile", "services:\n  a:\n    build:\n      context: .\n      dockerfile: nope.Dockerfile\n", "nope.Dockerfile"},
		{"port twice", "services:\n  a:\n    image: x:1\n    ports: [\"80:80\"]\n  b:\n    image: y:1\n    ports: [\"80:8080\"]\n", "already published"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "compose.yml")
			if err := os.WriteFile(file, []byte(tc.compose), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := Load(context.Background(), file)
			if err == nil {
				err = Check(p)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one that mentions %q", err, tc.want)
			}
		})
	}
}

func TestCheckImage(t *testing.T) {
	for ref, ok := range map[string]bool{
		"grafana/grafana:12.1.0": true, "localhost:5000/x:1": true, "x@sha256:abc": true,
		"localhost:5000/x": false, "x": false, "x:latest": false, "": false,
	} {
		if err := checkImage(ref); (err == nil) != ok {
			t.Errorf("checkImage(%q) = %v, want ok=%v", ref, err, ok)
		}
	}
}
