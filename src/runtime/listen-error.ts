/** Listener start-up failures, named for the operator (exit code 4 of `grapevine agent`). */

/** LISTEN_ERROR_CODES are the system errors that mean "this address cannot be bound or resolved". */
export const LISTEN_ERROR_CODES = ['EADDRNOTAVAIL', 'ENOTFOUND', 'EACCES', 'EADDRINUSE', 'EAI_AGAIN', 'EAI_NONAME'] as const;

/** LISTENER_FLAGS maps each listener's config field to its agent flag. */
export const LISTENER_FLAGS = { httpAddr: '--http-addr', gossipAddr: '--gossip-addr', dnsAddr: '--dns-addr' } as const;

/** Listener names a listening address of the daemon by its config field. */
export type Listener = keyof typeof LISTENER_FLAGS;

const CAUSES: Record<string, string> = {
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not one of this host',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (temporary DNS failure)',
  EAI_NONAME: 'the host name does not resolve',
};

/** ListenError says which listener could not bind or resolve its address, and why. */
export class ListenError extends Error {
  constructor(
    readonly listener: Listener,
    readonly address: string,
    readonly causeCode: string,
  ) {
    super(`cannot listen on ${listener} (${LISTENER_FLAGS[listener]}) ${address}: ${causeCode}: ${CAUSES[causeCode] ?? causeCode}`);
    this.name = 'ListenError';
  }
}

/** asListenError turns a bind or resolve failure of a listener into a ListenError; any other error comes back as it was. */
export function asListenError(e: unknown, listener: Listener, address: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && (LISTEN_ERROR_CODES as readonly string[]).includes(code)) return new ListenError(listener, address, code);
  return e;
}

/** listening runs a listener's start and names its failure (ListenError) when it cannot bind or resolve its address. */
export async function listening<T>(listener: Listener, address: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    throw asListenError(e, listener, address);
  }
}
