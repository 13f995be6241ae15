// Signs a V4 POST policy with ali-oss's own signPostObjectPolicyV4, as an independent oracle for
// the Go signer. Input (stdin, JSON): {accessKeyId, accessKeySecret, region, policy, date}.
// Output (stdout, JSON): {policy: base64 as ali-oss encodes it, signature}.
const OSS = require('ali-oss');
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  const client = new OSS({
    region: req.region,
    accessKeyId: req.accessKeyId,
    accessKeySecret: req.accessKeySecret,
    bucket: 'unused',
  });
  const policyStr = JSON.stringify(JSON.parse(req.policy));
  const signature = client.signPostObjectPolicyV4(req.policy, new Date(req.date));
  process.stdout.write(JSON.stringify({ policy: Buffer.from(policyStr, 'utf8').toString('base64'), signature }));
});
