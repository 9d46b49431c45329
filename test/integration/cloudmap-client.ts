/**
 * Shared by the Cloud Map API tests: an official AWS SDK v3 client pointed at a daemon
 * (disableHostPrefix, so DiscoverInstances goes to the endpoint, not data-127.0.0.1),
 * and a helper that waits for an operation and returns its targets.
 */
import { GetOperationCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { Daemon } from './helpers/daemon.js';

// The SDK warns once on Node 20 that future versions need Node 22; tests print nothing.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** sdk builds a client for a daemon with dummy credentials. */
export function sdk(d: Daemon): ServiceDiscoveryClient {
  return new ServiceDiscoveryClient({
    endpoint: d.httpUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    disableHostPrefix: true,
    maxAttempts: 1,
  });
}

/** opTargets reads an operation's targets (the way clients learn a new namespace's id). */
export async function opTargets(c: ServiceDiscoveryClient, operationId: string | undefined): Promise<Record<string, string>> {
  const r = await c.send(new GetOperationCommand({ OperationId: operationId! }));
  if (r.Operation?.Status !== 'SUCCESS') throw new Error(`operation ${operationId} is ${r.Operation?.Status}`);
  return r.Operation.Targets as Record<string, string>;
}

/** errorName runs a call that must fail and returns the SDK error's name and HTTP status. */
export async function errorOf(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; error: any }> {
  try {
    await p;
  } catch (e: any) {
    return { name: e.name, status: e.$metadata?.httpStatusCode, error: e };
  }
  throw new Error('the call succeeded; an error was expected');
}
