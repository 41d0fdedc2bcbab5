#!/usr/bin/env node
// Browser test of the open-channels page against a running server: a leader plans
// 长春 → Busan with three alternatives; at least two are listed, drawn on the map in their
// colours and in the comparison chart, with legs in the table, and none passes the DPRK.
//
// Environment (and KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD: see harness.mjs;
// screenshots default to ./smoke-screenshots):
//   KAIFANG_USER      account to sign in with (default leader)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, StepError, check, expectPath, expectText, inputOf, login, openContext, openFromMenu, run, shot, step, tid } from './harness.mjs'

const USER = process.env.KAIFANG_USER || 'leader'

/** Drawn pixels of a canvas, and how many are close to each of `colours` (`[r, g, b]`). */
async function canvasPixels(page, selector, colours = []) {
  return page.evaluate(
    ({ selector, colours }) => {
      const out = { canvases: 0, drawn: 0, matches: colours.map(() => 0) }
      for (const canvas of document.querySelectorAll(selector)) {
        out.canvases++
        const ctx = canvas.getContext('2d')
        if (!ctx || canvas.width === 0 || canvas.height === 0) continue
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] < 100) continue
          const [r, g, b] = [d[i], d[i + 1], d[i + 2]]
          if (!(r > 245 && g > 245 && b > 245)) out.drawn++
          colours.forEach(([cr, cg, cb], k) => {
            if (Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 40) out.matches[k]++
          })
        }
      }
      return out
    },
    { selector, colours },
  )
}

/** The page position of the westmost pixel of `rgb` on the map's canvases (e.g. a crossing's diamond). */
async function westmostPixel(page, rgb) {
  return page.evaluate(
    ({ selector, rgb }) => {
      let best = null
      for (const canvas of document.querySelectorAll(selector)) {
        const ctx = canvas.getContext('2d')
        if (!ctx || canvas.width === 0) continue
        const rect = canvas.getBoundingClientRect()
        const sx = rect.width / canvas.width
        const sy = rect.height / canvas.height
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] < 250) continue
          if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) > 12) continue
          const px = (i / 4) % canvas.width
          const py = Math.floor(i / 4 / canvas.width)
          const x = rect.left + px * sx
          if (!best || x < best.x) best = { x, y: rect.top + py * sy }
        }
      }
      return best
    },
    { selector: '[data-testid="channels-map"] canvas', rgb },
  )
}

// The first two route colours of the page (ROUTE_COLOURS in ChannelsPage.vue).
const ROUTE_RGB = [
  [0xe0, 0x53, 0x3d],
  [0x17, 0xa5, 0x8f],
]

run({ screenshots: 'smoke-screenshots', overallTimeoutMs: 150_000, failureShot: 'channels-failure.png' }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step(`sign in as ${USER} and open 开放通道 from the menu`, async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, USER)
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-channels', '/channels', '开放通道')
    await expectText(page, 'channels-basemap-note', '示意底图')
  })

  await step('the map draws the base layer and the network', async () => {
    await page.locator(`${tid('channels-map')} canvas`).first().waitFor({ state: 'attached' })
    await page.waitForTimeout(800)
    const px = await canvasPixels(page, `${tid('channels-map')} canvas`)
    check(px.drawn > 20_000, `the map canvas has only ${px.drawn} drawn pixels`)
  })

  await step('a click on a border crossing shows its attributes and source', async () => {
    // Crossings are drawn as red diamonds (#d0342c); click the westmost red pixel found.
    // The network layer may draw after the base map when the machine is busy: look again
    // for up to ten seconds.
    let at = await westmostPixel(page, [0xd0, 0x34, 0x2c])
    for (let i = 0; !at && i < 20; i++) {
      await page.waitForTimeout(500)
      at = await westmostPixel(page, [0xd0, 0x34, 0x2c])
    }
    check(at, 'no border crossing drawn on the map')
    await page.mouse.click(at.x + 2, at.y + 1)
    const details = page.locator(tid('channels-details'))
    try {
      await details.waitFor({ state: 'visible' })
    } catch {
      throw new StepError(`clicking the crossing at ${Math.round(at.x)},${Math.round(at.y)} showed no attributes`)
    }
    const text = (await details.textContent()) ?? ''
    check(text.includes('口岸') && text.includes('来源'), `the attributes should name the kind and the source: "${text.trim()}"`)
  })

  await step('layer toggles hide and show the sea lanes', async () => {
    const before = await canvasPixels(page, `${tid('channels-map')} canvas`)
    await page.locator(tid('layer-sea')).click()
    await page.waitForTimeout(600)
    const without = await canvasPixels(page, `${tid('channels-map')} canvas`)
    check(without.drawn < before.drawn - 500, `hiding the sea layer did not remove lines (${before.drawn} -> ${without.drawn})`)
    await page.locator(tid('layer-sea')).click()
    await page.waitForTimeout(600)
  })

  await step('plan 长春 → Busan with 3 alternatives', async () => {
    const from = inputOf(page, 'route-from')
    await from.fill('长春')
    await page.keyboard.press('Escape')
    const to = inputOf(page, 'route-to')
    await to.fill('Busan')
    await page.keyboard.press('Escape')
    const alt = inputOf(page, 'route-alternatives')
    await alt.fill('3')
    await alt.press('Tab')
    await page.locator(tid('route-submit')).click()
    try {
      await page.locator(tid('route-item-1')).waitFor({ state: 'visible' })
    } catch {
      const err = await page.locator(tid('route-error')).textContent().catch(() => null)
      throw new StepError(`fewer than two routes were listed${err ? `: ${err.trim()}` : ''}`)
    }
  })

  await step('at least two alternatives are listed, none through the DPRK', async () => {
    const items = page.locator('[data-testid^="route-item-"]')
    const n = await items.count()
    check(n >= 2, `${n} route(s) listed`)
    for (let i = 0; i < n; i++) {
      const countries = (await items.nth(i).getAttribute('data-countries')) ?? ''
      check(countries.split(',').includes('CN') && countries.split(',').includes('KR'), `route ${i + 1} passes ${countries}`)
      check(!countries.split(',').includes('KP'), `route ${i + 1} passes the DPRK (${countries})`)
    }
  })

  await step('the alternatives are drawn on the map and in the chart; the legs table has rows', async () => {
    await page.waitForTimeout(900)
    const map = await canvasPixels(page, `${tid('channels-map')} canvas`, ROUTE_RGB)
    check(map.matches[0] > 50, `route 1's colour barely on the map (${map.matches[0]} pixels)`)
    check(map.matches[1] > 50, `route 2's colour barely on the map (${map.matches[1]} pixels)`)
    const chart = await canvasPixels(page, `${tid('route-chart')} canvas`, ROUTE_RGB)
    check(chart.canvases > 0, 'the comparison chart has no canvas')
    check(chart.matches[0] > 100 && chart.matches[1] > 100, `the comparison chart's bars are missing (${chart.matches})`)
    const rows = page.locator(`${tid('route-legs')} .el-table__body tr`)
    await rows.first().waitFor({ state: 'visible' })
    check((await rows.count()) >= 2, `the legs table has ${await rows.count()} row(s)`)
    const last = ((await rows.last().textContent()) ?? '').trim()
    check(last.includes('釜山'), `the last leg should end in 釜山, is "${last}"`)
  })

  await step('choosing route 2 shows its legs', async () => {
    const before = ((await page.locator(tid('route-legs')).textContent()) ?? '').trim()
    await page.locator(tid('route-item-1')).click()
    await page.waitForTimeout(300)
    const after = ((await page.locator(tid('route-legs')).textContent()) ?? '').trim()
    check(before !== after, 'the legs table did not change with the chosen route')
    await page.locator(tid('route-item-0')).click()
  })

  await step('screenshot channels-zh-1366x768.png', async () => {
    // The shell's main area scrolls, not the window: back to the map.
    await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
    await shot(page, 'channels-zh-1366x768.png')
  })

  /** Picks a scenario in the switcher; a planned route is planned again under it. */
  async function chooseScenario(name) {
    await page.locator(tid('channels-scenario')).click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: name }).first().click()
  }

  /** Waits until the best route's countries satisfy `pred`; returns them. */
  async function bestRouteCountries(pred, what) {
    try {
      await page.waitForFunction(
        ([sel, src]) => {
          const el = document.querySelector(sel)
          return !!el && new Function('c', `return ${src}`)(el.getAttribute('data-countries').split(','))
        },
        [tid('route-item-0'), pred],
        // A scenario's route is planned on the server after the switch; the whole test suite
        // runs beside it, so allow more than the default wait.
        { timeout: 30_000 },
      )
    } catch {
      const got = await page.locator(tid('route-item-0')).getAttribute('data-countries').catch(() => 'no route')
      throw new StepError(`${what}; the best route passes ${got}`)
    }
  }

  await step('scenario switcher: Hunchun → Busan avoiding Russia goes through Rajin when its sailings reopen, not when DPRK crossings close', async () => {
    await inputOf(page, 'route-from').fill('珲春')
    await page.keyboard.press('Escape')
    await inputOf(page, 'route-to').fill('Busan')
    await page.keyboard.press('Escape')
    await page.locator(tid('route-avoid')).click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: /^\s*RU\s*$/ }).first().click()
    await page.keyboard.press('Escape')
    await expectText(page, 'route-avoid', 'RU')
    const alt = inputOf(page, 'route-alternatives')
    await alt.fill('0')
    await alt.press('Tab')
    await chooseScenario('rajin-reopened')
    await page.locator(tid('route-submit')).click()
    await bestRouteCountries("c.includes('KP')", 'with the Rajin sailings reopened the best route should pass the DPRK')
    await chooseScenario('dprk-closed')
    await expectText(page, 'channels-scenario-hint', 'DPRK')
    await bestRouteCountries("!c.includes('KP') && !c.includes('RU')", 'with every DPRK crossing closed the route should avoid the DPRK (and Russia)')
    await expectText(page, 'scenario-comparison', 'dprk-closed')
  })

  await step('in English the page and its planner read in English; screenshot channels-en-1366x768.png', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Open channels')
    await expectText(page, 'channels-basemap-note', 'Illustrative base map')
    await expectText(page, 'route-submit', 'Plan route')
    await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
    await shot(page, 'channels-en-1366x768.png')
  })
})
