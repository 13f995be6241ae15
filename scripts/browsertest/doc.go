// Package browsertest drives the demo pages in a real browser (Debian's chromium through chromedp)
// against the local stack.
package browsertest
