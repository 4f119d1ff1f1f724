import { createRequire } from 'node:module';
import { geoEquirectangular, geoPath } from 'd3-geo';
import type { FeatureCollection } from 'geojson';
import { feature } from 'topojson-client';
import type { Topology as TopoJson } from 'topojson-specification';

/** The map's size in SVG units; the page scales it. Equirectangular, so the browser can invert clicks with arithmetic. */
export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 480;

let cached: string | undefined;

/**
 * SVG path data for every country, from Natural Earth's 1:110m data (world-atlas), projected
 * once with d3-geo and kept: the dashboard needs no map library in the browser.
 */
export function worldMapPath(): string {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const world = require('world-atlas/countries-110m.json') as TopoJson;
    const countries = feature(world, world.objects['countries']!) as unknown as FeatureCollection;
    const projection = geoEquirectangular()
      .scale(MAP_WIDTH / (2 * Math.PI))
      .translate([MAP_WIDTH / 2, MAP_HEIGHT / 2]);
    cached = geoPath(projection)(countries) ?? '';
  }
  return cached;
}
