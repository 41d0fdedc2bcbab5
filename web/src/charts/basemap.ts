// The base map of the channel maps (open channels, freight flows), and line geometry for it.
import { ref } from 'vue'
import { registerMap } from 'echarts/core'
import { feature } from 'topojson-client'
import type { GeometryCollection, Topology } from 'topojson-specification'
import world from 'world-atlas/countries-50m.json'
import { session } from '@/session'

let naturalEarthRegistered = false

/** Registers the Natural Earth countries (an illustrative base layer only) once. */
function registerNaturalEarth() {
  if (naturalEarthRegistered) return
  const topology = world as unknown as Topology<{ countries: GeometryCollection }>
  registerMap('ne-countries', feature(topology, topology.objects.countries) as never)
  naturalEarthRegistered = true
}

/**
 * The map to draw on: Natural Earth, until `loadConfiguredBaseMap` finds that the deployment
 * configured an approved base map (`[map]` in kaifang.toml); that map then replaces Natural
 * Earth and its label (the approval number) replaces the "illustrative" note.
 */
export function useBaseMap() {
  // Registered when a page asks for it rather than as a side effect of importing this module,
  // which the bundler may evaluate later than the page's first render.
  registerNaturalEarth()
  const baseMapName = ref('ne-countries')
  const baseMapLabel = ref('')
  async function loadConfiguredBaseMap() {
    const label = session.meta?.basemap_label
    if (!label) return
    const r = await fetch('/api/basemap')
    if (!r.ok) return
    registerMap('configured-base', (await r.json()) as never)
    baseMapName.value = 'configured-base'
    baseMapLabel.value = label
  }
  return { baseMapName, baseMapLabel, loadConfiguredBaseMap }
}

/** Longitudes made continuous along a line, so a Pacific crossing is not drawn round the world. */
export function unwrap(coords: readonly (readonly number[])[]): [number, number][] {
  const out: [number, number][] = []
  let prev: number | null = null
  for (const [lon0, lat] of coords) {
    // The API sends `[lon, lat]` points; anything shorter is not a point.
    if (lon0 === undefined || lat === undefined) continue
    let lon = lon0
    if (prev !== null) {
      while (lon - prev > 180) lon -= 360
      while (prev - lon > 180) lon += 360
    }
    out.push([lon, lat])
    prev = lon
  }
  return out
}
