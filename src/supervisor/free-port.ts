import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';

/**
 * A port free for both UDP and TCP on `host`, for a DNS server the supervisor must name before it
 * starts (it keeps that port across restarts, as the clients' resolvers were told it). Released
 * before use, so another process could take it in between; on loopback in a test run that is rare.
 */
export async function freeUdpTcpPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const tcp = createServer();
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => tcp.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${host}`);
}
