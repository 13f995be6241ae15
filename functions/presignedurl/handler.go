package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/templates"
)

// APIPath is the route of the presign endpoint (the name Alibaba's published client calls).
const APIPath = "/get_presigned_url_for_oss_upload"

type server struct {
	cfg    config.Config
	creds  rolecred.Provider
	now    func() time.Time
	grants fcweb.Grants
	signer *upload.Signer
	store  multipartStore
}

// deps are what the handler needs besides its settings: main builds them, tests bring fakes.
type deps struct {
	// creds are the function role's credentials: they sign the URLs and the multipart calls.
	creds rolecred.Provider
	// store makes the multipart calls that run in the function (initiate, list, complete, abort).
	store multipartStore
	now   func() time.Time
}

func newHandler(cfg config.Config, d deps) (http.Handler, error) {
	s := &server{cfg: cfg, creds: d.creds, now: d.now, store: d.store, grants: fcweb.Grants{Rules: cfg.Rules, Auth: cfg.Auth, Now: d.now},
		signer: &upload.Signer{Creds: d.creds, Endpoint: cfg.Endpoint, Region: cfg.Region}}
	page, err := templates.Page(templates.PageData{Function: cfg.Function, SignIn: cfg.Auth != nil, TokenURL: cfg.DemoTokenURL})
	if err != nil {
		return nil, err
	}
	uppy, err := templates.UppyPage(templates.PageData{Function: cfg.Function, UppyURL: cfg.DemoUppyURL, MultipartThreshold: PartSize, SignIn: cfg.Auth != nil, TokenURL: cfg.DemoTokenURL})
	if err != nil {
		return nil, err
	}
	uppyPage := fcweb.Page(uppy)
	return fcweb.New(fcweb.Options{Function: cfg.Function, CORSOrigins: cfg.CORSOrigins, Page: page, Routes: []fcweb.Route{
		{Path: APIPath, Methods: []string{http.MethodGet, http.MethodPost}, Handler: http.HandlerFunc(s.presign)},
		s.companionRoutes(),
		// The Uppy demo page: at /uppy/ on the function's own trigger, /presignedurl/uppy/ on the custom domain.
		{Path: "/uppy/", Methods: []string{http.MethodGet}, Handler: uppyPage},
		{Path: "/" + cfg.Function + "/uppy/", Methods: []string{http.MethodGet}, Handler: uppyPage},
	}}), nil
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

func (s *server) sign(r *http.Request) (*api.PresignedPut, error) {
	g, err := s.grants.Read(r, upload.Put, fcweb.ReadIntent)
	if err != nil {
		return nil, err
	}
	signedURL, err := s.signer.Put(r.Context(), g)
	if err != nil {
		return nil, err
	}
	return &api.PresignedPut{
		URL:        signedURL,
		Method:     http.MethodPut,
		Headers:    g.PutHeaders(),
		Key:        g.Key,
		Expire:     g.Expires.Unix(),
		Expiration: g.Expires.UTC().Format(time.RFC3339),
	}, nil
}
