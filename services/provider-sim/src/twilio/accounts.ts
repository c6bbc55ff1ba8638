import type { TwilioAccount } from './auth.ts';

/** Twilio's account states (Account resource `status`). */
export const ACCOUNT_STATUSES = ['active', 'suspended', 'closed'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface SimulatedAccount extends TwilioAccount {
  friendlyName: string;
  /** The main account's SID for a subaccount; its own for the main account. */
  ownerAccountSid: string;
  status: AccountStatus;
}

/**
 * The simulated Twilio's accounts: one main account and its subaccounts, as an MSP runs them (one subaccount per
 * customer, billed apart). Each authenticates with its own SID and auth token and signs its own status callbacks.
 * A subaccount can be suspended or closed through Twilio's own Accounts API, authenticated as the main account;
 * a suspended account's requests are refused with 401 / 20003, for that account only.
 */
export class TwilioAccounts {
  readonly main: SimulatedAccount;
  readonly #bySid = new Map<string, SimulatedAccount>();

  constructor(
    main: TwilioAccount & { friendlyName?: string },
    subaccounts: ReadonlyArray<TwilioAccount & { friendlyName?: string }> = [],
  ) {
    this.main = {
      ...main,
      friendlyName: main.friendlyName ?? 'main account',
      ownerAccountSid: main.accountSid,
      status: 'active',
    };
    this.#bySid.set(main.accountSid, this.main);
    for (const sub of subaccounts) {
      if (this.#bySid.has(sub.accountSid))
        throw new TypeError(`twilio account ${sub.accountSid} is listed twice`);
      this.#bySid.set(sub.accountSid, {
        ...sub,
        friendlyName: sub.friendlyName ?? sub.accountSid,
        ownerAccountSid: main.accountSid,
        status: 'active',
      });
    }
  }

  get(accountSid: string): SimulatedAccount | undefined {
    return this.#bySid.get(accountSid);
  }

  all(): SimulatedAccount[] {
    return [...this.#bySid.values()];
  }

  /** May `actor` act on `target`? Itself, or the main account on its subaccounts (as Twilio allows). */
  mayActOn(actor: SimulatedAccount, target: SimulatedAccount): boolean {
    return actor.accountSid === target.accountSid || target.ownerAccountSid === actor.accountSid;
  }

  /** Sets a subaccount's status (the main account cannot be suspended through its own API). */
  setStatus(accountSid: string, status: AccountStatus): SimulatedAccount | undefined {
    const account = this.#bySid.get(accountSid);
    if (!account) return undefined;
    account.status = status;
    return account;
  }

  /** Every subaccount active again (the simulator's reset). */
  reactivateAll(): void {
    for (const account of this.#bySid.values()) account.status = 'active';
  }

  /** The auth token a callback of `accountSid`'s resources is signed with (the main account's if unknown). */
  authTokenOf(accountSid: string): string {
    return (this.#bySid.get(accountSid) ?? this.main).authToken;
  }
}
