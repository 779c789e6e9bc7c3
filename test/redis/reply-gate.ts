import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between clients and a real redis-server that can hold back
 * the replies on the connections that issue commands, and apart from them
 * the messages on those that SUBSCRIBE, to order a reply and a notification
 * on purpose. Commands always pass at once, so Redis runs them when sent.
 */
export class ReplyGate {
  readonly #server: Server;
  readonly #links = new Set<{ client: Socket; redis: Socket; subscriber: boolean; held: Buffer[] }>();
  #holding = false;
  #holdingNotices = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a relay on a free loopback port to Redis at `redisPort`. */
  static async start(redisPort: number): Promise<ReplyGate> {
    const server = createServer();
    const gate = new ReplyGate(server);
    server.on('connection', (client) => gate.#relay(client, redisPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return gate;
  }

  /** `redis://127.0.0.1:<relay port>`. */
  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the relay is not listening');
    return `redis://127.0.0.1:${address.port}`;
  }

  /** Holds every reply to a command connection until {@link ReplyGate.open}. */
  hold(): void {
    this.#holding = true;
  }

  /** Lets the held replies through, in order, and stops holding. */
  open(): void {
    this.#holding = false;
    for (const link of this.#links) {
      if (!link.subscriber) for (const chunk of link.held.splice(0)) link.client.write(chunk);
    }
  }

  /** Holds every message to a subscribed connection (notices) until {@link ReplyGate.openNotices}. */
  holdNotices(): void {
    this.#holdingNotices = true;
  }

  /** Lets the held notices through, in order, and stops holding them. */
  openNotices(): void {
    this.#holdingNotices = false;
    for (const link of this.#links) {
      if (link.subscriber) for (const chunk of link.held.splice(0)) link.client.write(chunk);
    }
  }

  /** How many bytes of replies are held. */
  get heldBytes(): number {
    let bytes = 0;
    for (const link of this.#links) for (const chunk of link.held) bytes += chunk.length;
    return bytes;
  }

  /** Closes the relay and every connection through it. */
  async close(): Promise<void> {
    for (const link of this.#links) {
      link.client.destroy();
      link.redis.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(client: Socket, redisPort: number): void {
    const redis = connect({ host: '127.0.0.1', port: redisPort });
    const link = { client, redis, subscriber: false, held: [] as Buffer[] };
    this.#links.add(link);
    client.on('data', (chunk: Buffer) => {
      if (/SUBSCRIBE/i.test(chunk.toString('latin1'))) link.subscriber = true;
      redis.write(chunk);
    });
    redis.on('data', (chunk: Buffer) => {
      if (link.subscriber ? this.#holdingNotices : this.#holding) link.held.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      redis.destroy();
      this.#links.delete(link);
    };
    client.on('close', end);
    redis.on('close', end);
    client.on('error', end);
    redis.on('error', end);
  }
}
