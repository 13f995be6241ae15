// Package loadtest holds the tests that attack the whole bundle on the local stack (scripts/devstack)
// with load and faults, through the real handler binaries built with -race:
//
//   - TestLoad: hundreds of concurrent requests per function, every answer validated and a sample
//     uploaded to the local OSS; zero errors, exactly one AssumeRole, no data race reported by the
//     children, flat memory. It logs requests/s, p50/p99 latency and RSS. LONG_TESTS=1 runs it 10x.
//   - TestSTSFaults: the fake STS failing in every way it can (throttling, 500, 503, hang, malformed
//     JSON, missing fields, expired and about-to-expire credentials), once, persistently, and after
//     credentials were cached; it logs what the sts function's client got each time.
//   - TestLogsHoldNoSecrets: a full flow with every log captured, which must hold no secret, token,
//     signature, policy or signed URL the flow handed out.
//
// Everything listens on loopback only. The package has no API; it is tests only.
package loadtest
