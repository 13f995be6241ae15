// Package selfcontained tests the repository itself: no tracked file names a path outside it, so a
// fresh clone with nothing beside it builds and tests (.ci/run runs the suite in such a clone); and
// the product module builds and tests from its own go.mod, without the tooling module (scripts/)
// the go.work joins to it.
package selfcontained
