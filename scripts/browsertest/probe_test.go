package browsertest

import (
	"testing"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

func TestProbe(t *testing.T) { _ = chromedp.Navigate; _ = dom.SetFileInputFiles }
