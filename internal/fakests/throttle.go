package fakests

import (
	"net/http"
	"time"
)

// DefaultRateLimit is STS's AssumeRole limit: 100 requests per second per Alibaba Cloud account,
// calls by its RAM users and roles included; calls beyond it get Throttling errors (Alibaba Cloud
// notice "Request Limit Upgrade of STS AssumeRole API", 2022,
// https://alibabacloud.com/en/notice/upgradenotification_of_request_limit_upgrade_of_sts_assumerole_api_175).
// The error is answered as STS's POP gateway answers flow control: HTTP 400, Throttling.User,
// "Request was denied due to user flow control." (matched by the "Throttling" prefix in stscred).
const DefaultRateLimit = 100

// throttled reports whether a call arriving now is over Options.RateLimit: at most RateLimit calls
// are admitted in any 1-second window (sliding, on the server's clock). A throttled call is not
// admitted, so it does not use up the window.
func (s *Server) throttled() bool {
	if s.rate <= 0 {
		return false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.admitted) < s.rate {
		s.admitted = append(s.admitted, now)
		return false
	}
	// s.admitted is a ring of the last s.rate admissions; s.ringAt is the oldest.
	oldest := s.admitted[s.ringAt]
	if now.Sub(oldest) < time.Second {
		s.stats.Throttled++
		return true
	}
	s.admitted[s.ringAt] = now
	s.ringAt = (s.ringAt + 1) % s.rate
	return false
}

func writeThrottled(w http.ResponseWriter, reqID string) {
	writeError(w, reqID, newError(http.StatusBadRequest, CodeThrottlingUser, "Request was denied due to user flow control."))
}
