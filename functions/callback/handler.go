package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// APIPath is the route OSS posts callbacks to (OSS_CALLBACK_URL points at it).
const APIPath = "/oss_upload_callback"

// MaxBodyBytes bounds a callback body: the fields of osscallback.Body with a key of at most 1023
// bytes, URL-encoded, fit in well under it.
const MaxBodyBytes = 16 << 10

// WebhookBudget bounds the webhook delivery of one callback. OSS waits 5 seconds for the answer
// ("Callback" API reference: https://help.aliyun.com/en/oss/developer-reference/callback) and
// never retries, so delivery stops in time for the answer to reach OSS; an event that could not
// be delivered is still in the "upload completed" log line.
const WebhookBudget = 3 * time.Second

// options are the test seams; zero values mean production.
type options struct {
	now           func() time.Time
	keyClient     *http.Client // fetches OSS's public key
	webhookClient *http.Client
	logger        *slog.Logger // the access and event log; nil: JSON on stdout
	objects       ObjectHeader // nil: HeadObject on OSS with the role's credentials
}

type server struct {
	cfg     config.Config
	keys    *osscallback.Keys
	webhook *osscallback.Webhook // nil without WEBHOOK_URL
	objects ObjectHeader
	now     func() time.Time
}

// newHandler returns the callback function; creds are its role's credentials, with which it asks
// OSS what is stored under the key a callback names.
func newHandler(cfg config.Config, creds rolecred.Provider, o options) (http.Handler, error) {
	s := &server{cfg: cfg, now: o.now, objects: o.objects, keys: &osscallback.Keys{Trusted: cfg.CallbackTrustedKeyURLs, Client: o.keyClient, Now: o.now}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.objects == nil {
		s.objects = newOSSHeader(cfg, creds, nil)
	}
	if cfg.WebhookURL != "" {
		wh, err := osscallback.NewWebhook(cfg.WebhookURL, cfg.WebhookSecret)
		if err != nil {
			return nil, err
		}
		wh.Client = o.webhookClient
		s.webhook = wh
	}
	return fcweb.New(fcweb.Options{
		Function:     cfg.Function,
		Logger:       o.logger,
		MaxBodyBytes: MaxBodyBytes,
		Routes:       []fcweb.Route{{Path: APIPath, Methods: []string{http.MethodPost}, Handler: http.HandlerFunc(s.callback)}},
	}), nil
}

func (s *server) callback(w http.ResponseWriter, r *http.Request) {
	u, err := s.verify(r)
	if err != nil {
		// Every refusal is logged (never the signature), and nothing else happens.
		e := upload.AsError(err)
		attrs := []any{"code", e.Code, "reason", e.Message, "detail", errString(e.Err)}
		if u.Key != "" {
			// The bucket and key the (signed) body names: what an investigation needs.
			attrs = append(attrs, "bucket", u.Bucket, "key", u.Key)
		}
		fcweb.Logger(r.Context()).Warn("callback refused", attrs...)
		fcweb.WriteError(w, r, &upload.Error{Code: e.Code, Message: e.Message, RetryAfter: e.RetryAfter})
		return
	}
	ev := osscallback.NewEvent(u, s.now())
	attrs := []any{"user", u.User, "bucket", u.Bucket, "key", u.Key, "size", u.Size, "contentType", u.ContentType,
		"etag", u.ETag, "filename", u.Filename, "eventId", u.ID()}
	if u.Image != nil {
		attrs = append(attrs, slog.Group("image", "width", u.Image.Width, "height", u.Image.Height, "format", u.Image.Format))
	}
	attrs = append(attrs, s.notify(r.Context(), ev)...)
	fcweb.Logger(r.Context()).Info("upload completed", attrs...)
	fcweb.WriteJSON(w, http.StatusOK, u.Answer())
}

// verify checks the call the way OSS's Callback reference says: a trusted key URL, OSS's RSA
// signature over the path, query and body, then the upload's bucket and prefix; then, because the
// uploader writes the body (see object.go), it asks OSS what is stored under the key and takes size,
// ETag and type from OSS.
func (s *server) verify(r *http.Request) (osscallback.Upload, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return osscallback.Upload{}, upload.Errorf(upload.CodePayloadTooLarge, "callback body is over %d bytes", tooBig.Limit)
		}
		return osscallback.Upload{}, &upload.Error{Code: upload.CodeInvalidArgument, Message: "callback body could not be read", Err: err}
	}
	key, err := s.keys.Key(r.Context(), r.Header.Get("x-oss-pub-key-url"))
	switch {
	case errors.Is(err, osscallback.ErrUntrustedKeyURL):
		return osscallback.Upload{}, &upload.Error{Code: upload.CodePermissionDenied, Message: "the callback's public key URL (x-oss-pub-key-url) is not trusted; see OSS_CALLBACK_TRUSTED_KEY_URLS", Err: err}
	case errors.Is(err, osscallback.ErrBadKey):
		return osscallback.Upload{}, &upload.Error{Code: upload.CodePermissionDenied, Message: "the callback's public key URL (x-oss-pub-key-url) names no usable RSA key", Err: err}
	case err != nil:
		return osscallback.Upload{}, upload.Unavailable("OSS's callback public keys", err)
	}
	if err := osscallback.Verify(key, r.Header.Get("Authorization"), r.URL.EscapedPath(), r.URL.RawQuery, body); err != nil {
		return osscallback.Upload{}, &upload.Error{Code: upload.CodeUnauthenticated, Message: "the callback's signature (authorization) does not verify", Err: err}
	}
	u, err := osscallback.ParseBody(body)
	if err != nil {
		return u, &upload.Error{Code: upload.CodeInvalidArgument, Message: "the callback body is not the one the signers ask for (see osscallback.Body)", Err: err}
	}
	if err := u.CheckScope(s.cfg.Bucket, s.cfg.Rules.Dir, s.cfg.Auth != nil); err != nil {
		return u, &upload.Error{Code: upload.CodePermissionDenied, Message: "the upload is outside the configured bucket and prefix", Err: err}
	}
	obj, err := s.objects.Head(r.Context(), u.Key)
	switch {
	case errors.Is(err, ErrNoObject):
		return u, &upload.Error{Code: upload.CodePermissionDenied, Message: "the callback names an object that is not stored", Err: err}
	case err != nil:
		return u, upload.Unavailable("the stored object's details (HeadObject with the callback function's role)", err)
	case !strings.EqualFold(obj.ETag, u.ETag):
		// Another object than the one uploaded (a forged body, or replaced since).
		return u, &upload.Error{Code: upload.CodePermissionDenied, Message: "the callback's ETag is not the stored object's",
			Err: fmt.Errorf("body ETag %q, stored %q", u.ETag, obj.ETag)}
	}
	u.Size, u.ETag, u.ContentType = obj.Size, obj.ETag, obj.ContentType
	return u, nil
}

// notify delivers ev to the webhook within WebhookBudget and returns log attributes saying how it
// went.
func (s *server) notify(ctx context.Context, ev osscallback.Event) []any {
	if s.webhook == nil {
		return []any{"webhook", "off"}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return []any{"webhook", "failed", "webhookError", "marshal"}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), WebhookBudget)
	defer cancel()
	n, err := s.webhook.Deliver(ctx, ev.Data.ID(), s.now(), payload)
	if err != nil {
		// Never the error's text: a *url.Error prints WEBHOOK_URL, whose query may hold a token.
		status := 0
		var de *osscallback.DeliveryError
		if errors.As(err, &de) {
			status, err = de.Status, de.Err
		}
		return []any{"webhook", "failed", "webhookAttempts", n, "webhookStatus", status,
			"webhookError", osscallback.ErrorKind(err), "webhookHost", s.webhook.Host()}
	}
	return []any{"webhook", "delivered", "webhookAttempts", n}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
