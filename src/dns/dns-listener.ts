import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { MAX_QUERY_BYTES } from './dns-message.ts';

/** Turns one DNS message from `peer` (its address) into the reply, or undefined for none. */
export type DnsAnswerer = (message: Buffer, peer: string) => Buffer | undefined;

export interface DnsListenerOptions {
  host: string;
  /** 0 = any port free for both UDP and TCP. */
  port: number;
  answer: DnsAnswerer;
  /** An answerer that threw: reported, and that message goes unanswered; the server keeps serving. */
  onError?: (error: unknown) => void;
}

export interface DnsListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** RFC 7766 section 6.2.3 suggests closing idle DNS-over-TCP connections after seconds, not minutes. */
const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 1_000;
const UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Tries at finding one port free for UDP and TCP both, when any port will do. */
const PORT_TRIES = 10;

/** DNS over UDP and TCP (RFC 1035 section 4.2, RFC 7766) on one address and port. */
export async function listenDns(options: DnsListenerOptions): Promise<DnsListener> {
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(options);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(options, port);
      return {
        host: options.host,
        port,
        close: async () => {
          await Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), closeTcp(tcp)]);
        },
      };
    } catch (error) {
      udp.close();
      const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      // With a fixed port there is nothing to retry; with any port, UDP's pick was taken on TCP.
      if (!taken || options.port !== 0 || attempt >= PORT_TRIES) throw error;
    }
  }
}

function bindUdp(options: DnsListenerOptions): Promise<UdpSocket> {
  // A burst of queries (many clients starting at once) must wait in the socket, not be dropped:
  // ask for more than the usual default; the kernel caps it at net.core.rmem_max.
  const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER_BYTES });
  socket.on('message', (message, peer) => {
    const reply = safely(options, message, peer.address);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      // A send to a peer gone away can surface as an error on the socket: never fatal.
      socket.on('error', (error) => options.onError?.(error));
      resolve(socket);
    });
  });
}

function listenTcp(options: DnsListenerOptions, port: number): Promise<Server> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    serveTcp(socket, options);
  });
  openSockets.set(server, open);
  server.maxConnections = MAX_TCP_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Each message is a two-byte length and that many bytes; several may share a segment or one may
 * span several. A length that cannot be a query ends the connection: after it nothing in the
 * stream can be trusted to start a message.
 */
function serveTcp(socket: Socket, options: DnsListenerOptions): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (length < 12 || length > MAX_QUERY_BYTES) {
        socket.destroy();
        return;
      }
      if (pending.length < 2 + length) break;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      const reply = safely(options, message, socket.remoteAddress ?? '');
      if (reply) {
        const framed = Buffer.allocUnsafe(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        socket.write(framed);
      }
    }
  });
}

function safely(options: DnsListenerOptions, message: Buffer, peer: string): Buffer | undefined {
  try {
    return options.answer(message, peer);
  } catch (error) {
    options.onError?.(error);
    return undefined;
  }
}

const openSockets = new WeakMap<Server, Set<Socket>>();

function closeTcp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Open resolver connections would hold close() for their idle timeout.
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
  });
}
