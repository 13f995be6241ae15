package ossauth

import (
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/ossvectors"
)

// The vectors are the official ones of the OSS SDKs' own unit tests (internal/ossvectors, each with
// the SDK file and test it comes from), never output of this package. internal/localoss checks its
// independent verifier against the same file, the V1 vectors included (this package signs V4
// only: no flow uses V1).

func vectors(t *testing.T) ossvectors.All {
	t.Helper()
	v, err := ossvectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func vectorCreds(r ossvectors.Request) Credentials {
	return Credentials{AccessKeyID: r.AccessKeyID, AccessKeySecret: r.AccessKeySecret, SecurityToken: r.SecurityToken}
}

// presignQuery presigns and returns the URL with its query parsed.
func presignQuery(t *testing.T, s *Signer, creds Credentials, opts PresignV4Options, now time.Time) (*url.URL, url.Values) {
	t.Helper()
	raw, err := s.PresignV4(creds, opts, now)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("presigned URL %q: %v", raw, err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		t.Fatalf("presigned URL %q: %v", raw, err)
	}
	return u, q
}

// authorizeV4 is V4 header authorization (the Authorization header value) composed of the pieces
// PresignV4 uses, for the official header vectors: they pin the canonical request, the string to
// sign and the key derivation with more cases than the presign vectors.
func authorizeV4(creds Credentials, r ossvectors.Request, region string, additional []string, now time.Time) string {
	h := r.Header()
	h.Set("x-oss-date", now.UTC().Format(dateFormatV4))
	h.Set("x-oss-content-sha256", unsignedPayload)
	if creds.SecurityToken != "" {
		h.Set("x-oss-security-token", creds.SecurityToken)
	}
	add := additionalHeaders(additional, h)
	cr := appendCanonicalRequest(nil, r.Method, r.Bucket, r.Key, canonicalQuery(r.Values()), h, add)
	auth := algorithmV4 + " Credential=" + creds.AccessKeyID + "/" + scope(now, region)
	if len(add) > 0 {
		auth += ",AdditionalHeaders=" + strings.Join(add, ";")
	}
	sts := appendStringToSign(nil, cr, now.UTC().Format(dateFormatV4), scope(now, region))
	return auth + ",Signature=" + hex.EncodeToString(hmacSHA256(deriveKey(creds.AccessKeySecret, now, region), string(sts)))
}

// canonicalQuery is the V4 canonical query of q, as PresignV4 writes it.
func canonicalQuery(q url.Values) string {
	ps := appendQueryPairs(nil, q)
	sortPairs(ps)
	var b strings.Builder
	writeQuery(&b, ps)
	return b.String()
}

func TestV4HeaderGolden(t *testing.T) {
	t.Parallel()
	for _, c := range vectors(t).V4Header {
		if c.Product != "oss" {
			continue // CloudBox: this package signs for product oss only
		}
		t.Run(c.Name, func(t *testing.T) {
			got := authorizeV4(vectorCreds(c.Request), c.Request, c.Region, c.AdditionalHeaders, c.Time())
			if got != c.Authorization {
				t.Errorf("Authorization\n got %s\nwant %s", got, c.Authorization)
			}
			// The "oss-" form of the region must sign the same.
			if got := authorizeV4(vectorCreds(c.Request), c.Request, "oss-"+c.Region, c.AdditionalHeaders, c.Time()); got != c.Authorization {
				t.Errorf("with oss- region prefix\n got %s\nwant %s", got, c.Authorization)
			}
		})
	}
	t.Run("derived intermediates", func(t *testing.T) {
		all := vectors(t)
		d := all.Derived.V4HeaderPlain
		var plain ossvectors.V4Header
		for _, c := range all.V4Header {
			if c.Name == "plain" {
				plain = c
			}
		}
		h := plain.Header()
		h.Set("x-oss-date", d.XOSSDate)
		h.Set("x-oss-content-sha256", unsignedPayload)
		cr := appendCanonicalRequest(nil, plain.Method, plain.Bucket, plain.Key, canonicalQuery(plain.Values()), h, nil)
		if string(cr) != d.CanonicalRequest {
			t.Errorf("canonical request\n got %q\nwant %q", cr, d.CanonicalRequest)
		}
		if got := string(appendStringToSign(nil, cr, d.XOSSDate, scope(plain.Time(), plain.Region))); got != d.StringToSign {
			t.Errorf("string to sign\n got %q\nwant %q", got, d.StringToSign)
		}
		if got := hex.EncodeToString(deriveKey(plain.AccessKeySecret, plain.Time(), plain.Region)); got != d.SigningKeyHex {
			t.Errorf("signing key %s, want %s", got, d.SigningKeyHex)
		}
	})
}

func TestV4PresignGolden(t *testing.T) {
	t.Parallel()
	var warm Signer // every vector twice: the second time with the cached key and token
	for _, c := range vectors(t).V4Presign {
		t.Run(c.Name, func(t *testing.T) {
			ep, err := ParseEndpoint("http://oss-"+c.Region+".aliyuncs.com", c.Bucket, c.Region)
			if err != nil {
				t.Fatal(err)
			}
			opts := PresignV4Options{
				Endpoint: ep, Method: c.Method, Bucket: c.Bucket, Key: c.Key, Region: c.Region,
				Expires: time.Duration(c.ExpiresSeconds) * time.Second, Header: c.Header(),
				AdditionalHeaders: c.AdditionalHeaders, Query: c.Values(),
			}
			for round, s := range []*Signer{new(Signer), &warm, &warm} {
				u, got := presignQuery(t, s, vectorCreds(c.Request), opts, c.Time())
				if got.Get("x-oss-signature") != c.Signature {
					t.Errorf("round %d: x-oss-signature\n got %s\nwant %s", round, got.Get("x-oss-signature"), c.Signature)
				}
				if c.URL == "" {
					continue
				}
				// The SDK's full URL, parameter by parameter (order aside).
				sdk, err := url.Parse(c.URL)
				if err != nil {
					t.Fatal(err)
				}
				want := sdk.Query()
				if len(got) != len(want) {
					t.Fatalf("got %d parameters, want %d: %v", len(got), len(want), got)
				}
				for k := range want {
					if got.Get(k) != want.Get(k) {
						t.Errorf("%s = %q, want %q", k, got.Get(k), want.Get(k))
					}
				}
				// Go SDK v1 escapes '/' in the path too; both name the same key.
				if u.Host != sdk.Host || u.Path != sdk.Path || u.Path != "/"+c.Key {
					t.Errorf("URL %s addresses another object than the SDK's %s", u, sdk)
				}
			}
		})
	}
}
