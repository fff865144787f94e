package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// client is one identity of the control plane: a client certificate and a kubeconfig that uses it.
type client struct {
	file   string
	cn     string
	groups []string
}

// The identities `cargo xtask cluster` uses. kube-controller-manager and kube-scheduler get the users their
// bootstrap RBAC roles are bound to; the node stand-in and the tests use the admin (system:masters).
var clients = []client{
	{"admin", "kubernetes-admin", []string{"system:masters"}},
	{"kube-controller-manager", "system:kube-controller-manager", nil},
	{"kube-scheduler", "system:kube-scheduler", nil},
}

// pki writes everything a loopback control plane needs into dir: a CA, the API server's serving certificate,
// the service-account signing key pair, a client certificate and a kubeconfig per identity.
//
//	kcluster pki --dir DIR --server https://127.0.0.1:PORT
func pki(args []string) error {
	flags := flag.NewFlagSet("pki", flag.ContinueOnError)
	dir := flags.String("dir", "", "directory to write into")
	server := flags.String("server", "", "the API server's URL, written into the kubeconfigs")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *server == "" {
		return fmt.Errorf("--dir and --server are required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	notAfter := time.Now().Add(10 * 365 * 24 * time.Hour)

	caKey, err := newKey()
	if err != nil {
		return err
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "kruntimes-test-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	caPEM := pemBlock("CERTIFICATE", caDER)
	if err := write(*dir, "ca.crt", caPEM); err != nil {
		return err
	}
	if err := writeKey(*dir, "ca.key", caKey); err != nil {
		return err
	}

	issue := func(name string, template *x509.Certificate) ([]byte, []byte, error) {
		key, err := newKey()
		if err != nil {
			return nil, nil, err
		}
		template.SerialNumber = serial()
		template.NotBefore = time.Now().Add(-time.Hour)
		template.NotAfter = notAfter
		template.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		der, err := x509.CreateCertificate(rand.Reader, template, ca, key.Public(), caKey)
		if err != nil {
			return nil, nil, err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		certPEM, keyPEM := pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER)
		if err := write(*dir, name+".crt", certPEM); err != nil {
			return nil, nil, err
		}
		return certPEM, keyPEM, write(*dir, name+".key", keyPEM)
	}

	if _, _, err := issue("apiserver", &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
	}); err != nil {
		return err
	}

	saKey, err := newKey()
	if err != nil {
		return err
	}
	if err := writeKey(*dir, "sa.key", saKey); err != nil {
		return err
	}
	saPub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return err
	}
	if err := write(*dir, "sa.pub", pemBlock("PUBLIC KEY", saPub)); err != nil {
		return err
	}

	for _, c := range clients {
		certPEM, keyPEM, err := issue(c.file, &x509.Certificate{
			Subject:     pkix.Name{CommonName: c.cn, Organization: c.groups},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		})
		if err != nil {
			return err
		}
		if err := write(*dir, c.file+".kubeconfig", kubeconfig(*server, caPEM, certPEM, keyPEM, c.cn)); err != nil {
			return err
		}
	}
	return nil
}

func kubeconfig(server string, ca, cert, key []byte, user string) []byte {
	b64 := base64.StdEncoding.EncodeToString
	return []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kruntimes-test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: kruntimes-test
  context:
    cluster: kruntimes-test
    user: %s
    namespace: default
current-context: kruntimes-test
`, server, b64(ca), user, b64(cert), b64(key), user))
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	return n
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

func writeKey(dir, name string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return write(dir, name, pemBlock("PRIVATE KEY", der))
}

func write(dir, name string, data []byte) error {
	return os.WriteFile(filepath.Join(dir, name), data, 0o600)
}
