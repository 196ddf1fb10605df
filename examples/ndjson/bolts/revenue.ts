import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Order = { id: string; customer: string; amount: number; paid: boolean; coupon: string | null; tags: string | null };

interface Totals {
  orders: number;
  paidCents: number;
  unpaidCents: number;
  coupons: number;
}

/**
 * Per-customer totals. The fields grouping on "customer" sends all of a customer's orders to one task, so each
 * emit carries that customer's complete running totals. Money is summed in integer cents to stay exact.
 */
export class RevenueBolt extends Bolt<Order> {
  private readonly totals = new Map<string, Totals>();
  private changed = false;

  override process(tuple: Tuple<Order>): void {
    const customer = tuple.get('customer');
    const totals = this.totals.get(customer) ?? { orders: 0, paidCents: 0, unpaidCents: 0, coupons: 0 };
    const cents = Math.round(tuple.get('amount') * 100);
    totals.orders++;
    if (tuple.get('paid')) totals.paidCents += cents;
    else totals.unpaidCents += cents;
    if (tuple.get('coupon') !== null) totals.coupons++;
    this.totals.set(customer, totals);
    this.changed = true;
    this.emit([customer, totals.orders, totals.paidCents / 100, totals.unpaidCents / 100, totals.coupons]);
  }

  /** Every two seconds, when something changed (the component config sets the tick frequency). */
  override processTick(): void {
    if (!this.changed) return;
    this.changed = false;
    const lines = [...this.totals].map(([c, t]) => `${c}: ${t.orders} orders, ${(t.paidCents / 100).toFixed(2)} paid`);
    this.logger.info(lines.join('; '));
  }
}
