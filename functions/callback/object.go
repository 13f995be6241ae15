package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

// The callback body is written by the uploader, not by OSS: its callbackBody template "supports OSS
// system parameters, custom variables and constants" (OSS "Callback" API reference,
// https://help.aliyun.com/en/oss/developer-reference/callback), so OSS signs whatever constants the
// uploader put there, e.g. another user's key and any size. A verified signature proves only that
// OSS sent the call after some upload. The function therefore asks OSS itself, with its own role's
// credentials, what is stored under the key the body names (HeadObject,
// https://help.aliyun.com/en/oss/developer-reference/headobject: Content-Length, ETag and
// Content-Type of the object, 404 NoSuchKey when there is none; RAM action oss:GetObject,
// https://help.aliyun.com/en/oss/user-guide/ram-policy-overview), and takes size, ETag and type from
// that answer.

// ErrNoObject means the bucket has no object under the key (HeadObject answered 404).
var ErrNoObject = errors.New("callback: no such object")

// ObjectInfo is what OSS says of a stored object.
type ObjectInfo struct {
	Size        int64
	ETag        string // without quotes
	ContentType string
}

// ObjectHeader answers HeadObject for one key of the configured bucket.
type ObjectHeader interface {
	// Head returns the object's info, an error wrapping ErrNoObject when there is none, or another
	// error when OSS could not be asked (no credentials, access denied, network).
	Head(ctx context.Context, key string) (ObjectInfo, error)
}

// HeadTimeout bounds one HeadObject: OSS waits 5 seconds for the callback's answer, and the webhook
// delivery (WebhookBudget) comes after it.
const HeadTimeout = 1500 * time.Millisecond

// ossHeader is the ObjectHeader of production: HeadObject with the function role's credentials
// (rolecred, as the signers get theirs), through the Alibaba Cloud OSS Go SDK.
type ossHeader struct {
	bucket   string
	region   string
	endpoint ossauth.Endpoint
	creds    rolecred.Provider
	client   *http.Client // shared by every call
}

// newOSSHeader returns the production ObjectHeader. client nil means one client for the life of
// the process (the SDK would otherwise make a new transport, and its idle connections, for every
// client it builds), bounded per call by HeadTimeout and never following a redirect.
func newOSSHeader(cfg config.Config, creds rolecred.Provider, client *http.Client) *ossHeader {
	if client == nil {
		client = &http.Client{
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &ossHeader{bucket: cfg.Bucket, region: cfg.Region, endpoint: cfg.Endpoint, creds: creds, client: client}
}

// Head asks OSS for the object's metadata. The endpoint is OSS_ENDPOINT (the bucket's public
// endpoint by default): a path-style local OSS, a custom domain (CNAME) or an aliyuncs.com host,
// each addressed the way the SDK's options say.
func (h *ossHeader) Head(ctx context.Context, key string) (ObjectInfo, error) {
	if h.creds == nil {
		return ObjectInfo{}, rolecred.ErrNoCredentials
	}
	c, err := h.creds.Credentials(ctx)
	if err != nil {
		return ObjectInfo{}, err
	}
	opts := []oss.ClientOption{oss.SecurityToken(c.SecurityToken), oss.AuthVersion(oss.AuthV4), oss.Region(h.region), oss.HTTPClient(h.client)}
	switch h.endpoint.Addressing {
	case ossauth.PathStyle:
		opts = append(opts, oss.ForcePathStyle(true))
	case ossauth.CNAME:
		opts = append(opts, oss.UseCname(true))
	}
	client, err := oss.New(h.endpoint.BaseURL(), c.AccessKeyID, c.AccessKeySecret, opts...)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("callback: OSS client: %w", err)
	}
	b, err := client.Bucket(h.bucket)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("callback: OSS client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, HeadTimeout)
	defer cancel()
	hdr, err := b.GetObjectDetailedMeta(key, oss.WithContext(ctx))
	if err != nil {
		var se oss.ServiceError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
			return ObjectInfo{}, fmt.Errorf("%w: HeadObject answered 404", ErrNoObject)
		}
		return ObjectInfo{}, headError(err)
	}
	size, err := strconv.ParseInt(hdr.Get("Content-Length"), 10, 64)
	if err != nil || size < 0 {
		return ObjectInfo{}, fmt.Errorf("callback: HeadObject answered Content-Length %q", hdr.Get("Content-Length"))
	}
	return ObjectInfo{Size: size, ETag: strings.Trim(hdr.Get("ETag"), `"`), ContentType: hdr.Get("Content-Type")}, nil
}

// headError keeps OSS's status and code of a failed HeadObject and drops the rest (the SDK's
// transport errors name the object URL).
func headError(err error) error {
	var se oss.ServiceError
	if errors.As(err, &se) {
		return fmt.Errorf("callback: HeadObject answered %d %s (the callback function's role needs oss:GetObject on the upload prefix)", se.StatusCode, se.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("callback: HeadObject: %w", context.DeadlineExceeded)
	}
	return fmt.Errorf("callback: HeadObject failed: %s", osscallback.ErrorKind(err))
}
