package ossauth

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/ossvectors"
)

// The vectors are the official ones of the OSS SDKs' own unit tests (internal/ossvectors, each with
// the SDK file and test it comes from), never output of this package. scripts/localoss checks its
// independent verifier against the same file.

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

func vectorRequest(r ossvectors.Request) *Request {
	return &Request{Method: r.Method, Bucket: r.Bucket, Key: r.Key, Header: r.Header(), Query: r.Values()}
}

func TestV1HeaderGolden(t *testing.T) {
	t.Parallel()
	for _, c := range vectors(t).V1Header {
		t.Run(c.Name, func(t *testing.T) {
			now, err := http.ParseTime(c.Date)
			if err != nil {
				t.Fatal(err)
			}
			req := vectorRequest(c.Request)
			if got := StringToSignV1(req, c.Date, c.SubResources...); got != c.StringToSign {
				t.Errorf("string to sign\n got %q\nwant %q", got, c.StringToSign)
			}
			if got := AuthorizeV1(vectorCreds(c.Request), req, now, c.SubResources...); got != c.Authorization {
				t.Errorf("Authorization = %q, want %q", got, c.Authorization)
			}
			if got := req.Header.Get("Date"); got != c.Date {
				t.Errorf("Date header = %q, want %q", got, c.Date)
			}
		})
	}
}

func TestV1PresignGolden(t *testing.T) {
	t.Parallel()
	for _, c := range vectors(t).V1Presign {
		t.Run(c.Name, func(t *testing.T) {
			q, err := PresignV1(vectorCreds(c.Request), vectorRequest(c.Request), time.Unix(c.Expires, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Get("Signature"); got != c.Signature {
				t.Errorf("Signature = %s, want %s", got, c.Signature)
			}
			if c.URL == "" {
				return
			}
			u, err := url.Parse(c.URL)
			if err != nil {
				t.Fatal(err)
			}
			// The SDK's URL, byte for byte: this package encodes the query the same way.
			if got := q.Encode(); got != u.RawQuery {
				t.Errorf("query\n got %s\nwant %s", got, u.RawQuery)
			}
		})
	}
}

func TestV4HeaderGolden(t *testing.T) {
	t.Parallel()
	for _, c := range vectors(t).V4Header {
		if c.Product != "oss" {
			continue // CloudBox: this package signs for product oss only
		}
		t.Run(c.Name, func(t *testing.T) {
			got := AuthorizeV4(vectorCreds(c.Request), vectorRequest(c.Request), c.Region, c.AdditionalHeaders, c.Time())
			if got != c.Authorization {
				t.Errorf("Authorization\n got %s\nwant %s", got, c.Authorization)
			}
			// The "oss-" form of the region must sign the same.
			if got := AuthorizeV4(vectorCreds(c.Request), vectorRequest(c.Request), "oss-"+c.Region, c.AdditionalHeaders, c.Time()); got != c.Authorization {
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
		r := vectorRequest(plain.Request)
		r.Header.Set("x-oss-date", d.XOSSDate)
		cr := CanonicalRequestV4(r, nil)
		if cr != d.CanonicalRequest {
			t.Errorf("canonical request\n got %q\nwant %q", cr, d.CanonicalRequest)
		}
		if got := StringToSignV4(cr, plain.Time(), plain.Region); got != d.StringToSign {
			t.Errorf("string to sign\n got %q\nwant %q", got, d.StringToSign)
		}
	})
}

func TestV4PresignGolden(t *testing.T) {
	t.Parallel()
	for _, c := range vectors(t).V4Presign {
		t.Run(c.Name, func(t *testing.T) {
			opts := PresignV4Options{Region: c.Region, Expires: time.Duration(c.ExpiresSeconds) * time.Second, AdditionalHeaders: c.AdditionalHeaders}
			q, err := PresignV4(vectorCreds(c.Request), vectorRequest(c.Request), opts, c.Time())
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Get("x-oss-signature"); got != c.Signature {
				t.Errorf("x-oss-signature\n got %s\nwant %s", got, c.Signature)
			}
			if c.URL == "" {
				return
			}
			// The SDK's full URL, parameter by parameter (order aside).
			u, err := url.Parse(c.URL)
			if err != nil {
				t.Fatal(err)
			}
			want := u.Query()
			got, err := url.ParseQuery(EncodeQuery(q))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d parameters, want %d: %v", len(got), len(want), got)
			}
			for k := range want {
				if got.Get(k) != want.Get(k) {
					t.Errorf("%s = %q, want %q", k, got.Get(k), want.Get(k))
				}
			}
			if u.Path != "/"+c.Key { // GOv1 escapes '/' in the path too; the key is what is signed
				t.Errorf("the SDK URL's path %q is not the vector's key %q", u.Path, c.Key)
			}
		})
	}
}

func TestPostPolicyV1Golden(t *testing.T) {
	t.Parallel()
	for _, c := range vectors(t).PostV1 {
		if got := SignV1(c.AccessKeySecret, c.Policy); got != c.Signature {
			t.Errorf("%s: SignV1(policy) = %s, want %s", c.Name, got, c.Signature)
		}
	}
}
