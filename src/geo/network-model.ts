import type { NetworkModel } from '../topology/schema.ts';
import { greatCircleKm, type LatLon } from './distance.ts';

/**
 * One-way delay of a hop: baseMs + km / kmPerMs, scaled by timeScale (0 = off).
 * A request and its response each cross the hop once, so a component that simulates
 * a hop waits for the round trip: twice the one-way delay.
 */
export function oneWayDelayMs(model: NetworkModel, from: LatLon, to: LatLon): number {
  return (model.baseMs + greatCircleKm(from, to) / model.kmPerMs) * model.timeScale;
}

export function roundTripDelayMs(model: NetworkModel, from: LatLon, to: LatLon): number {
  return 2 * oneWayDelayMs(model, from, to);
}
