/**
 * The check target of bench/health.ts, run as its own process so that its CPU does
 * not count against the daemon's: an HTTP server that answers every GET with 200 and
 * counts requests. It prints its port on stdout; GET /__stats returns the count.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let requests = 0;
const server = http.createServer((req, res) => {
  if (req.url === '/__stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests }));
    return;
  }
  requests++;
  res.end('ok');
});
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
