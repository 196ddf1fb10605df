import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Order = { product: string; quantity: string };

/** Running total of the quantity ordered per product; emits the new total, anchored to the order. */
export class CountBolt extends Bolt<Order> {
  private readonly totals = new Map<string, number>();

  override process(tuple: Tuple<Order>): void {
    const product = tuple.get('product');
    const total = (this.totals.get(product) ?? 0) + Number(tuple.get('quantity'));
    this.totals.set(product, total);
    this.emit([product, total]);
  }
}
