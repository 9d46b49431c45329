/**
 * fixed-server is the HTTP baseline: a minimal node:http server in its own process that
 * answers every request with one fixed body read from a file (the same bytes and
 * content type a daemon's discovery answer has). It is the Node ceiling on this machine.
 * Usage: node dist/bench/lib/fixed-server.js BODY_FILE   (prints {"port": N} when listening)
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const body = readFileSync(process.argv[2]);
const headers = { 'content-type': 'application/json', 'content-length': body.length };
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
