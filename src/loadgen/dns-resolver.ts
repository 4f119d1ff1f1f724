import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import dnsPacket, { type DecodedPacket, type OptAnswer, type StringAnswer } from 'dns-packet';
import { CLIENT_SUBNET_OPTION, clientSubnetFor } from '../dns/client-subnet.ts';

export interface DnsServerAddress {
  host: string;
  port: number;
}

export interface ResolvedAddress {
  address: string;
  ttl: number;
  /** The ECS scope the server answered with (0: the answer holds whatever the subnet). */
  scope: number;
}

/**
 * Queries in flight at once. A thousand clients resolving in the same millisecond (a run's first
 * requests) would overflow the server's socket buffer and lose most of them, where real clients'
 * queries are spread over their resolvers; past this many the rest wait their turn.
 */
const MAX_OUTSTANDING = 64;

/**
 * A stub resolver over one UDP socket, as a recursive resolver sends on its clients' behalf: each
 * query carries the client's subnet (ECS, RFC 7871) and is matched to its answer by id.
 */
export class DnsResolver {
  readonly #server: DnsServerAddress;
  readonly #socket: Socket;
  readonly #pending = new Map<number, (packet: DecodedPacket | Error) => void>();
  /** Queries waiting for one of the MAX_OUTSTANDING slots. */
  readonly #queued: (() => void)[] = [];
  #nextId = 1;

  constructor(server: DnsServerAddress) {
    this.#server = server;
    this.#socket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    this.#socket.on('message', (message) => {
      let packet: DecodedPacket;
      try {
        packet = dnsPacket.decode(message);
      } catch {
        return;
      }
      const settle = this.#pending.get(packet.id ?? -1);
      this.#pending.delete(packet.id ?? -1);
      settle?.(packet);
    });
    this.#socket.on('error', () => undefined);
    this.#socket.unref();
  }

  /** Sends one query and resolves with the server's response (or rejects after `timeoutMs`). */
  query(name: string, type: 'A' | 'AAAA', options: { clientAddress?: string; prefix?: number; timeoutMs?: number } = {}): Promise<DecodedPacket> {
    const id = this.#takeId();
    const options8 =
      options.clientAddress === undefined
        ? []
        : [{ code: CLIENT_SUBNET_OPTION, data: clientSubnetFor(options.clientAddress, options.prefix ?? 24) }];
    const message = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name }],
      // A raw option payload is what dns-packet encodes; @types/dns-packet wants decoded ECS fields instead.
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: options8 as unknown as OptAnswer['options'] }],
    });
    return new Promise((resolve, reject) => {
      const send = () => {
        const timer = setTimeout(() => {
          this.#pending.delete(id);
          this.#release();
          reject(new Error(`no DNS answer from ${this.#server.host}:${this.#server.port} within ${options.timeoutMs ?? 2000} ms`));
        }, options.timeoutMs ?? 2000);
        this.#pending.set(id, (packet) => {
          clearTimeout(timer);
          this.#release();
          if (packet instanceof Error) reject(packet);
          else resolve(packet);
        });
        this.#socket.send(message, this.#server.port, this.#server.host);
      };
      if (this.#pending.size < MAX_OUTSTANDING) send();
      else this.#queued.push(send);
    });
  }

  #release(): void {
    this.#queued.shift()?.();
  }

  /**
   * The A record for `name` as seen by a client at `clientAddress` (its /24 sent as ECS). A lost
   * datagram is asked again, as stub resolvers do (glibc: `attempts:2`, here up to three tries
   * within `timeoutMs`), so one drop on a busy machine does not fail a client's requests.
   */
  async resolve(name: string, clientAddress: string, timeoutMs = 3000): Promise<ResolvedAddress> {
    const tries = 3;
    let packet: DecodedPacket | undefined;
    for (let attempt = 1; packet === undefined; attempt++) {
      try {
        packet = await this.query(name, 'A', { clientAddress, prefix: 24, timeoutMs: timeoutMs / tries });
      } catch (error) {
        if (attempt >= tries) throw error;
      }
    }
    const rcode = packet.flags === undefined ? 0 : packet.flags & 0xf;
    const answer = (packet.answers ?? []).find((record): record is StringAnswer => record.type === 'A');
    if (rcode !== 0 || !answer) throw new Error(`DNS answered rcode ${rcode} without an address for ${name}`);
    return { address: answer.data, ttl: answer.ttl ?? 0, scope: scopeOf(packet) };
  }

  close(): void {
    this.#queued.length = 0;
    for (const settle of this.#pending.values()) settle(new Error('resolver closed'));
    this.#pending.clear();
    this.#socket.close();
  }

  #takeId(): number {
    // 16-bit ids, skipping any still waiting for an answer.
    for (;;) {
      const id = this.#nextId;
      this.#nextId = (this.#nextId % 0xffff) + 1;
      if (!this.#pending.has(id)) return id;
    }
  }
}

/** The ECS scope prefix of a response, 0 without the option. */
export function scopeOf(packet: DecodedPacket): number {
  const opt = (packet.additionals ?? []).find((record): record is OptAnswer => record.type === 'OPT');
  const subnet = opt?.options.find((option) => option.code === CLIENT_SUBNET_OPTION);
  const data = subnet?.data;
  return data && data.length >= 4 ? data[3]! : 0;
}
