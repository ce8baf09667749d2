/**
 * The first-order vs second-order comparison's part of the page's store, for every family: the
 * worker's comparisons over the run (the OrderChart's series) and the latest one's reading.
 */
import type { OrdersReply } from '../../worker/families/metaStepMessages';

/** Second-order vs first-order MAML at one meta-step (the worker's comparison on a fixed batch). */
export interface OrderPoint {
  step: number;
  /** cosine(g2, g1) and the angle between them in degrees */
  cos: number;
  angle: number;
  /** |g1| / |g2| */
  ratio: number;
  /** cosine(g2, θ − mean θ′): the Reptile direction against the second-order meta-gradient */
  cosReptile: number;
}

/** points the comparison chart keeps (older ones thinned to every other) */
export const MAX_ORDER_POINTS = 400;

export interface OrderReading {
  step: number;
  reading: string;
  reptile: string;
  /** tasks in the comparison's fixed held-out batch */
  tasks: number;
}

export interface OrdersState {
  /** the first-order vs second-order comparison over the run, and the latest one's reading */
  orders: OrderPoint[];
  orderReading: OrderReading | null;
}

export function ordersSlice(): OrdersState {
  return { orders: [], orderReading: null };
}

/** The store's change for a comparison from the worker (a later step replaces what followed it). */
export function withOrders(s: OrdersState, reply: OrdersReply): OrdersState {
  const c = reply.comparison;
  let orders = s.orders.filter((p) => p.step < reply.step);
  if (orders.length >= MAX_ORDER_POINTS) orders = orders.filter((_, i) => i % 2 === 1);
  orders.push({
    step: reply.step,
    cos: c.cosG2G1,
    angle: c.angleG2G1Deg,
    ratio: c.normRatio,
    cosReptile: c.cosG2Reptile,
  });
  const { step, reading, reptile } = reply;
  return { orders, orderReading: { step, reading, reptile, tasks: c.tasks } };
}

/** The run went back to `step`: the comparisons after it are gone. */
export function ordersRewound(s: OrdersState, step: number): Partial<OrdersState> {
  return {
    orders: s.orders.filter((p) => p.step <= step),
    ...(step === 0 ? { orderReading: null } : {}),
  };
}
