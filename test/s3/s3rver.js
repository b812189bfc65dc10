// test/s3/s3rver.js - the S3 server of the tests: s3rver (npm
// @20minutes/s3rver), which checks Signature V4 of every request (header
// and query), on 127.0.0.1 and an ephemeral port written to PORT_FILE.
//
//   node s3rver.js DATA_DIR PORT_FILE BUCKET...
//
// NODE_PATH names the node_modules that test/lib.sh installed it into.
// Its account is S3RVER / S3RVER (access key / secret key).
'use strict';

const fs = require('fs');
const S3rver = require('@20minutes/s3rver');

const [directory, portFile, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: true,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});

server.run().then(({ port }) => {
  fs.writeFileSync(portFile + '.tmp', String(port));
  fs.renameSync(portFile + '.tmp', portFile);
});
