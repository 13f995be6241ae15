package localosstest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

// Bucket and MaxSize are the settings every Case shares.
const (
	Bucket  = "examplebucket"
	MaxSize = 4096
)

// Now is the signing time of every Case.
var Now = time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)

// Intent is what a client asks a signer for.
type Intent struct {
	Name        string
	Filename    string
	ContentType string
	Size        int64 // -1: not given
	// Signed is the content type the answer must bind: the client's, else the filename's, else
	// (presigned URLs only) the default.
	Signed string
}

// intents are the requests of the table: odd characters in names, with and without size and type.
var intents = []Intent{
	{Name: "odd name, type from extension", Filename: "中文 a+b~(1) 100%'.png", Size: -1, Signed: "image/png"},
	{Name: "type and size", Filename: "photo.PNG", ContentType: "image/png", Size: 1234, Signed: "image/png"},
	{Name: "path in name, size", Filename: "a/b/../c d+e%20f~(g)'h.pdf", Size: 17, Signed: "application/pdf"},
	{Name: "type only", ContentType: "application/pdf", Size: -1, Signed: "application/pdf"},
	{Name: "size only", Size: 5},
	{Name: "nothing", Size: -1},
}

// Endpoint is one way of addressing the bucket.
type Endpoint struct {
	Name    string
	Setting string // OSS_ENDPOINT
	Cname   string // the custom domain, for a CNAME endpoint
}

var endpoints = []Endpoint{
	{Name: "virtual-host", Setting: ""},
	{Name: "path-style", Setting: "http://127.0.0.1:9000"},
	{Name: "cname", Setting: "https://img.example.com", Cname: "img.example.com"},
}

// dirs are upload prefixes; the second has every odd character a prefix may hold.
var dirs = []string{"uploads/", "in box/中文+~(1) 100%'/"}

// Credentials the function role signs with: a long-term key and a temporary (STS) one.
var (
	longTerm  = localcred.Key{AccessKeyID: "LTAI5tConformance", AccessKeySecret: "long/term+secret="}
	temporary = localcred.Key{AccessKeyID: "STS.NUconformance", AccessKeySecret: "sts/secret+=", SecurityToken: "CAIS+token/with=chars", Expiration: Now.Add(time.Hour)}
)

// Case is one row of the conformance table: the settings of a signing function, the request made
// to it, the credentials it signs with, and what the answer must allow.
type Case struct {
	Name     string
	Settings map[string]string // environment for config.Load
	Query    map[string]string // the signing request's query parameters
	Key      localcred.Key     // the function role's credentials
	Intent   Intent
	Dir      string
	Endpoint Endpoint
	Region   string // as configured: "cn-hangzhou" or "oss-cn-hangzhou"
}

// Cases returns the table: every intent at every endpoint, with the credential kind, region form
// and prefix varying between rows so that each value meets each other.
func Cases() []Case {
	var out []Case
	for i, in := range intents {
		for j, ep := range endpoints {
			k := i*len(endpoints) + j
			c := Case{Intent: in, Endpoint: ep, Key: longTerm, Region: "cn-hangzhou", Dir: dirs[(k/4)%len(dirs)]}
			if k%2 == 1 {
				c.Key = temporary
			}
			if (k/2)%2 == 1 {
				c.Region = "oss-cn-hangzhou"
			}
			cred := "long-term"
			if c.Key.SecurityToken != "" {
				cred = "sts"
			}
			c.Name = strings.Join([]string{in.Name, ep.Name, cred, c.Region, strconv.Quote(c.Dir)}, ", ")
			c.Settings = map[string]string{
				"OSS_BUCKET": Bucket, "OSS_REGION": c.Region, "OSS_ENDPOINT": ep.Setting, "OSS_UPLOAD_DIR": c.Dir,
				"OSS_MAX_SIZE_BYTES": strconv.Itoa(MaxSize), "OSS_ALLOWED_CONTENT_TYPES": "",
				"OSS_FORBID_OVERWRITE": strconv.FormatBool(k%3 == 0),
			}
			c.Query = map[string]string{}
			if in.Filename != "" {
				c.Query["filename"] = in.Filename
			}
			if in.ContentType != "" {
				c.Query["contentType"] = in.ContentType
			}
			if in.Size >= 0 {
				c.Query["size"] = strconv.FormatInt(in.Size, 10)
			}
			out = append(out, c)
		}
	}
	return out
}

// Stack starts the local OSS the case's answers go to.
func (c Case) Stack(t testing.TB) *Stack {
	var cnames []string
	if c.Endpoint.Cname != "" {
		cnames = append(cnames, c.Endpoint.Cname)
	}
	return New(t, Options{Bucket: Bucket, Region: c.Region, Keys: []localcred.Key{c.Key}, Cnames: cnames, Now: Now})
}

// ForbidOverwrite reports whether the case's settings forbid overwriting.
func (c Case) ForbidOverwrite() bool { return c.Settings["OSS_FORBID_OVERWRITE"] == "true" }
