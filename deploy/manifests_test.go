// Package deploy holds the Kubernetes manifests and the Dockerfile; its
// tests check the manifests strictly (see types_test.go).
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// manifests returns every YAML file under deploy/.
func manifests(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests found: %v", err)
	}
	return files
}

// decodeStrict decodes one parsed document into the type of its kind,
// refusing unknown fields.
func decodeStrict(doc any) (any, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("document is not a mapping")
	}
	var out any
	switch gk := fmt.Sprintf("%v %v", m["apiVersion"], m["kind"]); gk {
	case "apps/v1 DaemonSet":
		out = &daemonSet{}
	case "v1 ConfigMap":
		out = &configMap{}
	case "v1 Service":
		out = &service{}
	case "monitoring.coreos.com/v1 ServiceMonitor":
		out = &serviceMonitor{}
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		out = &kustomization{}
	default:
		return nil, fmt.Errorf("unknown apiVersion and kind %q", gk)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return nil, err
	}
	return out, nil
}

// load parses and strictly decodes every document of every manifest.
func load(t *testing.T) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	for _, f := range manifests(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := parseYAML(string(src))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for i, d := range docs {
			obj, err := decodeStrict(d)
			if err != nil {
				t.Errorf("%s: document %d: %v", f, i+1, err)
				continue
			}
			out[f] = append(out[f], obj)
		}
	}
	return out
}

// TestManifestsDecodeStrictly: every manifest is in the YAML subset and
// decodes into the API types without an unknown field; kustomizations name
// files that exist.
func TestManifestsDecodeStrictly(t *testing.T) {
	for f, objs := range load(t) {
		for _, o := range objs {
			k, ok := o.(*kustomization)
			if !ok {
				continue
			}
			for _, r := range k.Resources {
				if _, err := os.Stat(filepath.Join(filepath.Dir(f), r)); err != nil {
					t.Errorf("%s: resource %s: %v", f, r, err)
				}
			}
			for _, p := range k.Patches {
				if _, err := os.Stat(filepath.Join(filepath.Dir(f), p.Path)); err != nil {
					t.Errorf("%s: patch %s: %v", f, p.Path, err)
				}
			}
		}
	}
}

// TestStrictDecodingCatchesTypos: the check can fail: a misspelt field, a
// field in the wrong place and YAML outside the subset are errors.
func TestStrictDecodingCatchesTypos(t *testing.T) {
	src, err := os.ReadFile("daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ from, to string }{
		{"readOnlyRootFilesystem: true", "readOnlyRootFilesytem: true"},
		{"      hostNetwork: true", "      hostNetwork: true\n      containerPort: 1"},
		{"    type: RollingUpdate", "    type: &a RollingUpdate"},
	} {
		bad := strings.Replace(string(src), tc.from, tc.to, 1)
		if bad == string(src) {
			t.Fatalf("%q not in daemonset.yaml", tc.from)
		}
		docs, err := parseYAML(bad)
		if err == nil {
			_, err = decodeStrict(docs[0])
		}
		if err == nil {
			t.Errorf("%q accepted", tc.to)
		}
	}
}

// daemonSets returns the DaemonSet of daemonset.yaml and the iptables
// variant's patch.
func daemonSets(t *testing.T) (base, iptables *daemonSet) {
	t.Helper()
	all := load(t)
	get := func(f string) *daemonSet {
		if len(all[f]) != 1 {
			t.Fatalf("%s: want one document, got %d", f, len(all[f]))
		}
		ds, ok := all[f][0].(*daemonSet)
		if !ok {
			t.Fatalf("%s is not a DaemonSet", f)
		}
		if len(ds.Spec.Template.Spec.Containers) != 1 {
			t.Fatalf("%s: want one container", f)
		}
		return ds
	}
	return get("daemonset.yaml"), get(filepath.Join("iptables", "daemonset-patch.yaml"))
}

// TestDaemonSetHardening checks what deploy/ promises: metrics on the
// node's loopback (probed there), RuntimeDefault seccomp, NET_ADMIN alone
// for the nftables engine and NET_RAW only in the iptables variant,
// nothing else added, mounts that name volumes.
func TestDaemonSetHardening(t *testing.T) {
	base, ipt := daemonSets(t)
	pod := base.Spec.Template.Spec
	c := pod.Containers[0]
	if pod.SecurityContext == nil || pod.SecurityContext.SeccompProfile == nil || pod.SecurityContext.SeccompProfile.Type != "RuntimeDefault" {
		t.Error("the pod has no seccompProfile RuntimeDefault")
	}
	if !slices.Contains(c.Args, "--backend=nftables") {
		t.Errorf("base DaemonSet args %q: want --backend=nftables", c.Args)
	}
	if !slices.Contains(c.Args, "--metrics-addr=127.0.0.1:9737") {
		t.Errorf("metrics not bound to the loopback: %q", c.Args)
	}
	for name, p := range map[string]*probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Host != "127.0.0.1" {
			t.Errorf("%s probe does not go to 127.0.0.1", name)
		}
	}
	caps := c.SecurityContext.Capabilities
	if !slices.Equal(caps.Drop, []string{"ALL"}) || !slices.Equal(caps.Add, []string{"NET_ADMIN"}) {
		t.Errorf("nftables engine capabilities: drop %q add %q, want drop ALL add NET_ADMIN", caps.Drop, caps.Add)
	}
	if p := c.SecurityContext.AllowPrivilegeEscalation; p == nil || *p {
		t.Error("allowPrivilegeEscalation is not false")
	}
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = true
	}
	for _, v := range ipt.Spec.Template.Spec.Volumes {
		volumes[v.Name] = true
	}
	for _, ds := range []*daemonSet{base, ipt} {
		for _, m := range ds.Spec.Template.Spec.Containers[0].VolumeMounts {
			if !volumes[m.Name] {
				t.Errorf("mount %s names no volume", m.Name)
			}
		}
	}
	ic := ipt.Spec.Template.Spec.Containers[0]
	if !slices.Contains(ic.Args, "--backend=iptables") || !slices.Contains(ic.SecurityContext.Capabilities.Add, "NET_RAW") {
		t.Errorf("iptables variant: args %q, capabilities %q", ic.Args, ic.SecurityContext.Capabilities.Add)
	}
	if ic.Name != c.Name {
		t.Errorf("the patch's container %q does not merge into %q", ic.Name, c.Name)
	}
}

// TestParseYAML checks the subset reader on the constructs the manifests
// use.
func TestParseYAML(t *testing.T) {
	src := `# comment
a: 1
b: "x # not a comment"
c:
  - d: true
    e: [x, "y z"]
  - plain
f:
- g
h: |
  line one

  line three
i: 'it''s'
---
j: k
`
	docs, err := parseYAML(src)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(docs)
	want := `[{"a":1,"b":"x # not a comment","c":[{"d":true,"e":["x","y z"]},"plain"],"f":["g"],"h":"line one\n\nline three\n","i":"it's"},{"j":"k"}]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
