package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// The multipart calls that need more than a URL (initiate, list parts, complete, abort) run here,
// with the function role's credentials, through Alibaba's OSS Go SDK
// (github.com/aliyun/aliyun-oss-go-sdk, the package the design names: it signs V4, takes a request
// context per call and an *http.Client we share across invocations). Only UploadPart URLs, signed
// by shared/ossauth, go to browsers.

// initiation is what InitiateMultipartUpload sets for the object to be: the stored type (none:
// OSS's default), Content-Disposition for active content, and whether it may replace an object.
type initiation struct {
	ContentType, Disposition string
	ForbidOverwrite          bool
}

// completion is what CompleteMultipartUpload sends besides the parts: forbid-overwrite again, and
// the callback parameters (x-oss-callback, x-oss-callback-var) when callbacks are on.
type completion struct {
	ForbidOverwrite       bool
	Callback, CallbackVar string
}

// multipartStore is what the Companion routes need of OSS. Implementations return oss.ServiceError
// (or wrap it) for OSS's refusals, as the SDK does: a value, never a pointer (aliyun-oss-go-sdk
// v3.0.2 oss/conn.go handleResponse and serviceErrFromXML, oss/error.go tryConvertServiceError).
type multipartStore interface {
	Initiate(ctx context.Context, creds ossauth.Credentials, key string, init initiation) (uploadID string, err error)
	ListParts(ctx context.Context, creds ossauth.Credentials, key, uploadID string) ([]api.Part, error)
	// Complete returns the callback's answer that OSS relays, if any.
	Complete(ctx context.Context, creds ossauth.Credentials, key, uploadID string, parts []api.Part, fin completion) ([]byte, error)
	Abort(ctx context.Context, creds ossauth.Credentials, key, uploadID string) error
}

// sdkStore talks to OSS at Endpoint through the OSS Go SDK, signing V4 for Region.
type sdkStore struct {
	Endpoint string // scheme://host[:port]; an IP host is addressed path-style by the SDK
	Bucket   string
	Region   string
	HTTP     *http.Client
}

func newSDKStore(endpoint, bucket, region string) *sdkStore {
	return &sdkStore{Endpoint: endpoint, Bucket: bucket, Region: region, HTTP: &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     60 * time.Second,
		},
	}}
}

// bucket returns an SDK bucket handle for creds. Credentials change with each invocation (FC
// passes the role's), so the client is built per call; the HTTP client and its connections are
// shared.
func (s *sdkStore) bucket(creds ossauth.Credentials) (*oss.Bucket, error) {
	opts := []oss.ClientOption{oss.Region(s.Region), oss.AuthVersion(oss.AuthV4), oss.HTTPClient(s.HTTP)}
	if creds.SecurityToken != "" {
		opts = append(opts, oss.SecurityToken(creds.SecurityToken))
	}
	c, err := oss.New(s.Endpoint, creds.AccessKeyID, creds.AccessKeySecret, opts...)
	if err != nil {
		return nil, err
	}
	return c.Bucket(s.Bucket)
}

func imur(bucket, key, uploadID string) oss.InitiateMultipartUploadResult {
	return oss.InitiateMultipartUploadResult{Bucket: bucket, Key: key, UploadID: uploadID}
}

func (s *sdkStore) Initiate(ctx context.Context, creds ossauth.Credentials, key string, init initiation) (string, error) {
	b, err := s.bucket(creds)
	if err != nil {
		return "", err
	}
	opts := []oss.Option{oss.WithContext(ctx), oss.ForbidOverWrite(init.ForbidOverwrite)}
	if init.ContentType != "" {
		opts = append(opts, oss.ContentType(init.ContentType))
	}
	if init.Disposition != "" {
		opts = append(opts, oss.ContentDisposition(init.Disposition))
	}
	res, err := b.InitiateMultipartUpload(key, opts...)
	return res.UploadID, err
}

// ListParts pages through ListParts (1,000 parts a page) and returns every part in order.
func (s *sdkStore) ListParts(ctx context.Context, creds ossauth.Credentials, key, uploadID string) ([]api.Part, error) {
	b, err := s.bucket(creds)
	if err != nil {
		return nil, err
	}
	var out []api.Part
	marker := 0
	for page := 0; page <= maxPartNumber/1000; page++ {
		res, err := b.ListUploadedParts(imur(s.Bucket, key, uploadID), oss.WithContext(ctx), oss.MaxParts(1000), oss.PartNumberMarker(marker))
		if err != nil {
			return nil, err
		}
		for _, p := range res.UploadedParts {
			lm := ""
			if !p.LastModified.IsZero() {
				lm = p.LastModified.UTC().Format(time.RFC3339)
			}
			out = append(out, api.Part{PartNumber: p.PartNumber, Size: int64(p.Size), ETag: p.ETag, LastModified: lm})
		}
		if !res.IsTruncated {
			return out, nil
		}
		next, err := strconv.Atoi(res.NextPartNumberMarker)
		if err != nil || next <= marker {
			return nil, errors.New("presignedurl: ListParts answered a bad NextPartNumberMarker")
		}
		marker = next
	}
	return nil, errors.New("presignedurl: ListParts did not end within 10,000 parts")
}

func (s *sdkStore) Complete(ctx context.Context, creds ossauth.Credentials, key, uploadID string, parts []api.Part, fin completion) ([]byte, error) {
	b, err := s.bucket(creds)
	if err != nil {
		return nil, err
	}
	ps := make([]oss.UploadPart, len(parts))
	for i, p := range parts {
		ps[i] = oss.UploadPart{PartNumber: p.PartNumber, ETag: p.ETag}
	}
	opts := []oss.Option{oss.WithContext(ctx), oss.ForbidOverWrite(fin.ForbidOverwrite)}
	var answer []byte
	if fin.Callback != "" {
		// With a callback OSS answers the callback's body instead of XML; CallbackResult makes the
		// SDK hand it over rather than parse it.
		opts = append(opts, oss.Callback(fin.Callback), oss.CallbackVar(fin.CallbackVar), oss.CallbackResult(&answer))
	}
	_, err = b.CompleteMultipartUpload(imur(s.Bucket, key, uploadID), ps, opts...)
	return answer, err
}

func (s *sdkStore) Abort(ctx context.Context, creds ossauth.Credentials, key, uploadID string) error {
	b, err := s.bucket(creds)
	if err != nil {
		return err
	}
	return b.AbortMultipartUpload(imur(s.Bucket, key, uploadID), oss.WithContext(ctx))
}

// ossFailure turns an error of a multipart call into what the client sees. OSS's error codes for
// completion: EntityTooSmall (https://help.aliyun.com/en/oss/user-guide/0042-00000213),
// InvalidPartOrder (https://help.aliyun.com/en/oss/user-guide/0042-00000209), InvalidPart
// (https://alibabacloud.com/help/en/oss/oss-reports-an-invalidpart-error-when-using-the-multipart-upload-method-to-upload-files);
// NoSuchUpload for an upload ID that was completed, aborted or belongs to another key.
func ossFailure(what string, err error) error {
	var se oss.ServiceError
	if !errors.As(err, &se) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return &upload.Error{Code: upload.CodeUnavailable, Message: "OSS did not answer in time; try again", Err: err, RetryAfter: 2 * time.Second}
		}
		return &upload.Error{Code: upload.CodeUnavailable, Message: "OSS cannot be reached right now; try again shortly", Err: err, RetryAfter: 2 * time.Second}
	}
	switch se.Code {
	case "NoSuchUpload":
		return &upload.Error{Code: upload.CodeNotFound, Message: "no such multipart upload for this key: it was completed, aborted or never started", Err: err}
	case "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "InvalidArgument":
		return &upload.Error{Code: upload.CodeInvalidArgument, Message: what + " was refused by OSS (" + se.Code + "): " + se.Message, Err: err}
	case "FileAlreadyExists":
		return &upload.Error{Code: upload.CodePermissionDenied, Message: "an object with this key exists and overwriting is forbidden", Err: err}
	}
	if se.StatusCode >= 500 {
		return &upload.Error{Code: upload.CodeUnavailable, Message: "OSS is unavailable right now; try again shortly", Err: err, RetryAfter: 2 * time.Second}
	}
	// AccessDenied and the like: the function's role or settings are wrong, not the client.
	return &upload.Error{Code: upload.CodeInternal, Message: "internal error", Err: err}
}
