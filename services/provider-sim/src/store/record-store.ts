import { type Channel, PROVIDER_CHANNELS, PROVIDER_NAMES, type ProviderName } from '../providers.ts';
import type { AcceptedRecord, Outcome, RejectedRecord, SimRecord, StatusChange } from './records.ts';

export type NewAcceptedRecord = Omit<AcceptedRecord, 'id' | 'outcome' | 'receivedAt'> & {
  receivedAt?: number;
};
export type NewRejectedRecord = Omit<RejectedRecord, 'id' | 'receivedAt'> & { receivedAt?: number };

export interface RecordFilter {
  provider?: ProviderName;
  channel?: Channel;
  /**
   * The destination. A leading '+' is ignored on both sides (Vonage numbers have none) and e-mail addresses
   * compare case-insensitively, so one filter finds a person's messages from every provider.
   */
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
  /** Per provider, the channels it carries (twilio: sms, voice; vonage: sms, voice; sendgrid: email). */
  byProvider: Record<ProviderName, Partial<Record<Channel, OutcomeCounts>>>;
  /**
   * Error codes answered (rejected and faulted requests). Twilio's codes as they are ({"21211": 3}); other
   * providers' prefixed with the provider, as their code spaces overlap ({"vonage:7": 1}).
   */
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
  #byErrorCode = new Map<string, number>();

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
      const key =
        record.provider === 'twilio' ? String(record.errorCode) : `${record.provider}:${record.errorCode}`;
      this.#byErrorCode.set(key, (this.#byErrorCode.get(key) ?? 0) + 1);
    }
    return record;
  }

  /**
   * Moves an accepted record to a new status (a delivery receipt, a call ending). Records are frozen, so the
   * record is replaced by an updated copy; readers holding the old one keep a consistent snapshot.
   * Returns the new record, or undefined when the record is gone (evicted or reset).
   */
  updateStatus(sid: string, change: StatusChange): AcceptedRecord | undefined {
    const current = this.#bySid.get(sid);
    if (!current || this.#records.get(current.id) !== current) return undefined;
    const { errorCode: _previous, ...rest } = current;
    const history = current.statusHistory ?? [{ status: current.status, at: current.receivedAt }];
    const updated: AcceptedRecord = Object.freeze({
      ...rest,
      status: change.status,
      ...(change.errorCode === undefined ? {} : { errorCode: change.errorCode }),
      statusHistory: Object.freeze([...history, Object.freeze({ ...change })]),
    });
    this.#records.set(updated.id, updated);
    this.#bySid.set(sid, updated);
    return updated;
  }

  findBySid(sid: string): AcceptedRecord | undefined {
    return this.#bySid.get(sid);
  }

  /** Matching records, oldest first (newest last). */
  query(filter: RecordFilter = {}): SimRecord[] {
    const outcome = filter.outcome ?? 'accepted';
    const wanted = filter.to === undefined ? undefined : comparableAddress(filter.to);
    const matches: SimRecord[] = [];
    for (const record of this.#records.values()) {
      if (outcome !== 'any' && record.outcome !== outcome) continue;
      if (filter.provider !== undefined && record.provider !== filter.provider) continue;
      if (filter.channel !== undefined && record.channel !== filter.channel) continue;
      if (wanted !== undefined && !addressedTo(record, wanted)) continue;
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
    const perChannel = this.#byProvider[record.provider];
    const counts = perChannel[record.channel] ?? zeroCounts();
    perChannel[record.channel] = counts;
    counts[record.outcome] += 1;
    while (this.#records.size > this.capacity) {
      const oldest = this.#records.values().next().value;
      if (oldest === undefined) break;
      this.#records.delete(oldest.id);
      if (oldest.outcome === 'accepted') this.#bySid.delete(oldest.sid);
      this.#evicted += 1;
    }
  }

  static #emptyByProvider(): Record<ProviderName, Partial<Record<Channel, OutcomeCounts>>> {
    return Object.fromEntries(
      PROVIDER_NAMES.map((provider) => [
        provider,
        Object.fromEntries(PROVIDER_CHANNELS[provider].map((channel) => [channel, zeroCounts()])),
      ]),
    ) as Record<ProviderName, Partial<Record<Channel, OutcomeCounts>>>;
  }
}

function addressedTo(record: SimRecord, wanted: string): boolean {
  if (record.to !== null && comparableAddress(record.to) === wanted) return true;
  return (
    record.outcome === 'accepted' && (record.recipients ?? []).some((r) => comparableAddress(r) === wanted)
  );
}

/** '+15551234567' and '15551234567' (Vonage) are the same phone; e-mail addresses ignore case. */
function comparableAddress(value: string): string {
  return value.includes('@') ? value.toLowerCase() : value.replace(/^\+/, '');
}
