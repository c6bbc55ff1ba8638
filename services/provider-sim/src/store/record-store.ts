import { CHANNELS, type Channel, PROVIDER_NAMES, type ProviderName } from '../providers.ts';
import type { AcceptedRecord, Outcome, RejectedRecord, SimRecord } from './records.ts';

export type NewAcceptedRecord = Omit<AcceptedRecord, 'id' | 'outcome' | 'receivedAt'> & {
  receivedAt?: number;
};
export type NewRejectedRecord = Omit<RejectedRecord, 'id' | 'receivedAt'> & { receivedAt?: number };

export interface RecordFilter {
  provider?: ProviderName;
  channel?: Channel;
  /** Exact match on the destination as sent. */
  to?: string;
  /** Only records received at or after this epoch-millisecond time. */
  since?: number;
  /** Default 'accepted': what reached the "phone". 'any' includes rejected and faulted requests. */
  outcome?: Outcome | 'any';
  /** Keep only the newest N matches. */
  limit?: number;
}

export type OutcomeCounts = Record<Outcome, number>;

export interface StoreStats {
  /** When counting started: creation or the last reset. */
  since: number;
  capacity: number;
  stored: number;
  /** Records dropped to stay within capacity (counters below still include them). */
  evicted: number;
  totals: OutcomeCounts;
  byProvider: Record<ProviderName, Record<Channel, OutcomeCounts>>;
  /** Error codes answered (rejected and faulted requests), e.g. {"21211": 3, "20429": 10}. */
  byErrorCode: Record<string, number>;
}

export interface RecordStoreOptions {
  /** Most records kept; the oldest are dropped first. Default 10 000. */
  capacity?: number;
  now?: () => number;
}

function zeroCounts(): OutcomeCounts {
  return { accepted: 0, rejected: 0, faulted: 0 };
}

/**
 * The in-memory record of everything the simulated providers received, shared by all providers: the inbox page,
 * the inspection API and the tests read it. Bounded so that a benchmark cannot exhaust memory; the counters in
 * `stats()` are cumulative, so they stay right after old records are evicted.
 * Records are frozen: readers get shared references and must not be able to change history.
 */
export class RecordStore {
  readonly capacity: number;
  readonly #now: () => number;
  /** Insertion-ordered, so the first key is always the oldest record. */
  readonly #records = new Map<string, SimRecord>();
  readonly #bySid = new Map<string, AcceptedRecord>();
  #nextId = 1;
  #since: number;
  #evicted = 0;
  #totals = zeroCounts();
  #byProvider = RecordStore.#emptyByProvider();
  #byErrorCode = new Map<number, number>();

  constructor(options: RecordStoreOptions = {}) {
    const capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#now = options.now ?? Date.now;
    this.#since = this.#now();
  }

  get size(): number {
    return this.#records.size;
  }

  addAccepted(input: NewAcceptedRecord): AcceptedRecord {
    const { receivedAt = this.#now(), ...fields } = input;
    const record: AcceptedRecord = Object.freeze({
      id: String(this.#nextId++),
      outcome: 'accepted',
      receivedAt,
      ...fields,
    });
    this.#insert(record);
    this.#bySid.set(record.sid, record);
    return record;
  }

  addRejected(input: NewRejectedRecord): RejectedRecord {
    const { receivedAt = this.#now(), ...fields } = input;
    const record: RejectedRecord = Object.freeze({ id: String(this.#nextId++), receivedAt, ...fields });
    this.#insert(record);
    if (record.errorCode !== null) {
      this.#byErrorCode.set(record.errorCode, (this.#byErrorCode.get(record.errorCode) ?? 0) + 1);
    }
    return record;
  }

  findBySid(sid: string): AcceptedRecord | undefined {
    return this.#bySid.get(sid);
  }

  /** Matching records, oldest first (newest last). */
  query(filter: RecordFilter = {}): SimRecord[] {
    const outcome = filter.outcome ?? 'accepted';
    const matches: SimRecord[] = [];
    for (const record of this.#records.values()) {
      if (outcome !== 'any' && record.outcome !== outcome) continue;
      if (filter.provider !== undefined && record.provider !== filter.provider) continue;
      if (filter.channel !== undefined && record.channel !== filter.channel) continue;
      if (filter.to !== undefined && record.to !== filter.to) continue;
      if (filter.since !== undefined && record.receivedAt < filter.since) continue;
      matches.push(record);
    }
    return filter.limit !== undefined && matches.length > filter.limit
      ? matches.slice(matches.length - filter.limit)
      : matches;
  }

  /** Forgets every record and restarts the counters. Returns how many records were dropped. */
  clear(): number {
    const dropped = this.#records.size;
    this.#records.clear();
    this.#bySid.clear();
    this.#since = this.#now();
    this.#evicted = 0;
    this.#totals = zeroCounts();
    this.#byProvider = RecordStore.#emptyByProvider();
    this.#byErrorCode = new Map();
    return dropped;
  }

  stats(): StoreStats {
    return {
      since: this.#since,
      capacity: this.capacity,
      stored: this.#records.size,
      evicted: this.#evicted,
      totals: { ...this.#totals },
      byProvider: structuredClone(this.#byProvider),
      byErrorCode: Object.fromEntries([...this.#byErrorCode].map(([code, count]) => [String(code), count])),
    };
  }

  #insert(record: SimRecord): void {
    this.#records.set(record.id, record);
    this.#totals[record.outcome] += 1;
    this.#byProvider[record.provider][record.channel][record.outcome] += 1;
    while (this.#records.size > this.capacity) {
      const oldest = this.#records.values().next().value;
      if (oldest === undefined) break;
      this.#records.delete(oldest.id);
      if (oldest.outcome === 'accepted') this.#bySid.delete(oldest.sid);
      this.#evicted += 1;
    }
  }

  static #emptyByProvider(): Record<ProviderName, Record<Channel, OutcomeCounts>> {
    const perChannel = (): Record<Channel, OutcomeCounts> =>
      Object.fromEntries(CHANNELS.map((channel) => [channel, zeroCounts()])) as Record<
        Channel,
        OutcomeCounts
      >;
    return Object.fromEntries(PROVIDER_NAMES.map((provider) => [provider, perChannel()])) as Record<
      ProviderName,
      Record<Channel, OutcomeCounts>
    >;
  }
}
