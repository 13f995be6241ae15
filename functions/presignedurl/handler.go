package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/templates"
)

// APIPath is the route of the presign endpoint (the name Alibaba's published client calls).
const APIPath = "/get_presigned_url_for_oss_upload"

// presignResponse is the JSON answer (Accept: application/json). Without it the URL alone is
// returned as text/plain, which is what Alibaba's published client reads.
type presignResponse struct {
	URL        string            `json:"url"`
	Method     string            `json:"method"`
	Headers    map[string]string `json:"headers"`
	Key        string            `json:"key"`
	Expire     int64             `json:"expire"`
	Expiration string            `json:"expiration"`
}

type server struct {
	cfg    config.Config
	creds  rolecred.Provider
	now    func() time.Time
	grants fcweb.Grants
	signer *upload.Signer
	// store makes the multipart calls that run in the function (initiate, list, complete, abort).
	store multipartStore
}

func newHandler(cfg config.Config, creds rolecred.Provider, now func() time.Time) (http.Handler, error) {
	return newHandlerWithStore(cfg, creds, now, nil)
}

// newHandlerWithStore returns the function's handler; store nil means OSS through the SDK at
// cfg.InternalEndpoint.
func newHandlerWithStore(cfg config.Config, creds rolecred.Provider, now func() time.Time, store multipartStore) (http.Handler, error) {
	if now == nil {
		now = time.Now
	}
	s := &server{cfg: cfg, creds: creds, now: now, store: store, grants: fcweb.Grants{Rules: cfg.Rules, Auth: cfg.Auth, Now: now}, signer: &upload.Signer{Creds: creds, Endpoint: cfg.Endpoint, Region: cfg.Region}}
	if s.store == nil {
		s.store = newSDKStore(cfg.InternalEndpoint, cfg.Bucket, cfg.Region)
	}
	page, err := templates.Page(templates.PageData{Function: cfg.Function, SignIn: cfg.Auth != nil, TokenURL: cfg.DemoTokenURL})
	if err != nil {
		return nil, err
	}
	uppy, err := templates.UppyPage(templates.PageData{Function: cfg.Function, UppyURL: cfg.DemoUppyURL, MultipartThreshold: PartSize, SignIn: cfg.Auth != nil, TokenURL: cfg.DemoTokenURL})
	if err != nil {
		return nil, err
	}
	uppyPage := fcweb.Page(uppy)
	return fcweb.NewFunction(cfg.Function, cfg.CORSOrigins, page, APIPath, http.HandlerFunc(s.presign), s.companionRoutes(),
		// The Uppy demo page: at /uppy/ on the function's own trigger, /presignedurl/uppy/ on the custom domain.
		fcweb.Route{Path: "/uppy/", Methods: []string{http.MethodGet}, Handler: uppyPage},
		fcweb.Route{Path: "/" + cfg.Function + "/uppy/", Methods: []string{http.MethodGet}, Handler: uppyPage},
	), nil
}

func (s *server) presign(w http.ResponseWriter, r *http.Request) {
	resp, err := s.sign(r)
	if err != nil {
		fcweb.WriteError(w, r, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		fcweb.WriteJSON(w, http.StatusOK, resp)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(resp.URL))
}

func (s *server) sign(r *http.Request) (*presignResponse, error) {
	g, err := s.grants.Read(r, upload.Put, fcweb.ReadIntent)
	if err != nil {
		return nil, err
	}
	signedURL, err := s.signer.Put(r.Context(), g)
	if err != nil {
		return nil, err
	}
	return &presignResponse{
		URL:        signedURL,
		Method:     http.MethodPut,
		Headers:    g.PutHeaders(),
		Key:        g.Key,
		Expire:     g.Expires.Unix(),
		Expiration: g.Expires.UTC().Format(time.RFC3339),
	}, nil
}
