import { connect, createServer, type Server, type Socket } from 'node:net';

/** One replication link through the relay: the replica's connection and the relay's to the primary. */
interface Link {
  readonly replica: Socket;
  readonly primary: Socket;
  /** Bytes from the primary not delivered yet, while holding. */
  readonly held: Buffer[];
}

/**
 * A TCP relay between a replica and its primary that can hold back the
 * replication stream: while held, what the primary sends is buffered, not
 * delivered, so the replica falls behind on purpose. What the replica sends
 * (its handshake, REPLCONF ACK) always passes. When the primary's side of a
 * link closes, whatever is held on it is dropped with it: a primary killed
 * while held leaves a replica that really lacks those writes.
 */
export class ReplicationRelay {
  readonly #server: Server;
  readonly #links = new Set<Link>();
  #holding = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a relay on a free loopback port to the primary at `primaryPort`. */
  static async start(primaryPort: number): Promise<ReplicationRelay> {
    const server = createServer();
    const relay = new ReplicationRelay(server);
    server.on('connection', (replica) => relay.#relay(replica, primaryPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  /** The loopback port the replica is to replicate from. */
  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the relay is not listening');
    return address.port;
  }

  /** Holds every byte the primary sends to the replica from now until {@link ReplicationRelay.open}. */
  hold(): void {
    this.#holding = true;
  }

  /** Delivers the held bytes, in order, and stops holding. */
  open(): void {
    this.#holding = false;
    for (const link of this.#links) {
      for (const chunk of link.held.splice(0)) link.replica.write(chunk);
    }
  }

  /** How many bytes from the primary are held. */
  get heldBytes(): number {
    let bytes = 0;
    for (const link of this.#links) for (const chunk of link.held) bytes += chunk.length;
    return bytes;
  }

  /** Closes the relay and every link through it, dropping what is held. */
  async close(): Promise<void> {
    for (const link of this.#links) this.#end(link);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(replica: Socket, primaryPort: number): void {
    const primary = connect({ host: '127.0.0.1', port: primaryPort });
    const link: Link = { replica, primary, held: [] };
    this.#links.add(link);
    replica.on('data', (chunk: Buffer) => primary.write(chunk));
    primary.on('data', (chunk: Buffer) => {
      if (this.#holding) link.held.push(chunk);
      else replica.write(chunk);
    });
    const end = () => this.#end(link);
    for (const socket of [replica, primary]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }

  #end(link: Link): void {
    // Never flushed: a replica must not receive what its dead primary sent while held.
    link.held.length = 0;
    link.replica.destroy();
    link.primary.destroy();
    this.#links.delete(link);
  }
}
