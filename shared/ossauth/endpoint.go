package ossauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Addressing is how a URL names the bucket.
type Addressing int

// The three ways OSS URLs address a bucket.
const (
	// VirtualHosted puts the bucket in the host: https://bucket.oss-cn-hangzhou.aliyuncs.com/key.
	VirtualHosted Addressing = iota
	// PathStyle puts the bucket in the path: http://127.0.0.1:9000/bucket/key (IP or localhost).
	PathStyle
	// CNAME is a custom domain bound to the bucket: https://files.example.com/key.
	CNAME
)

// Endpoint is where a bucket's objects are reached. Signatures always cover /bucket/key,
// whatever the URL looks like.
type Endpoint struct {
	Scheme     string // "https" or "http"
	Host       string // host[:port] without the bucket label
	Addressing Addressing
}

// ParseEndpoint interprets an endpoint setting for bucket. Empty means the bucket's public endpoint
// in region. A host under aliyuncs.com is virtual-hosted (a leading "<bucket>." is accepted), an IP
// address or localhost is path-style, and any other host is a custom domain (CNAME). A missing
// scheme means https.
func ParseEndpoint(raw, bucket, region string) (Endpoint, error) {
	if raw == "" {
		return Endpoint{Scheme: "https", Host: "oss-" + StandardRegion(region) + ".aliyuncs.com"}, nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Endpoint{}, fmt.Errorf("endpoint %q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Endpoint{}, fmt.Errorf("endpoint %q must use http or https", raw)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return Endpoint{}, fmt.Errorf("endpoint %q must be scheme://host[:port] only", raw)
	}
	e := Endpoint{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}
	hostname := strings.ToLower(u.Hostname())
	switch {
	case hostname == "localhost" || net.ParseIP(hostname) != nil:
		e.Addressing = PathStyle
	case strings.HasSuffix(hostname, ".aliyuncs.com"):
		e.Addressing = VirtualHosted
		e.Host = strings.TrimPrefix(e.Host, strings.ToLower(bucket)+".")
	default:
		e.Addressing = CNAME
	}
	return e, nil
}

// BucketURL returns the URL a PostObject form is sent to (the bucket's root).
func (e Endpoint) BucketURL(bucket string) string {
	var b strings.Builder
	e.writeBucketURL(&b, bucket)
	return b.String()
}

func (e Endpoint) writeBucketURL(b *strings.Builder, bucket string) {
	b.WriteString(e.Scheme)
	b.WriteString("://")
	switch e.Addressing {
	case PathStyle:
		b.WriteString(e.Host)
		b.WriteByte('/')
		b.WriteString(bucket)
	case CNAME:
		b.WriteString(e.Host)
	default:
		b.WriteString(bucket)
		b.WriteByte('.')
		b.WriteString(e.Host)
	}
}

// writeObjectURL writes the URL of an object, its key escaped with '/' kept, without a query.
func (e Endpoint) writeObjectURL(b *strings.Builder, bucket, key string) {
	e.writeBucketURL(b, bucket)
	b.WriteByte('/')
	writeEscaped(b, key, true)
}

// BaseURL returns the endpoint without the bucket, as SDKs such as ali-oss take it.
func (e Endpoint) BaseURL() string { return e.Scheme + "://" + e.Host }
