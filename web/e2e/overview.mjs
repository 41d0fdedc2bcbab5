#!/usr/bin/env node
// Browser test of the leaders' cockpit (概览): the Department of Commerce first evaluates the
// risk indicators, so that open alerts exist. A leader then reads the province's cockpit: every
// module's card, labelled synthetic with its source, the trade card's year-to-date figure the one
// /api/overview gives, and what changed since last month; the trade card opens the trade page.
// The cockpit in English, then as a wall display at 1920×1080 in full screen. Hunchun's city
// government sees its city named in the header, Yanbian's customs figures and its own zones;
// an enterprise (FAW) sees its appeals and its own trade (the records carrying its credit code)
// alone, with no link into the trade module it may not open.
//
// Environment: KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD (see harness.mjs).
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, check, expectChartDrawn, expectPath, expectText, login, logout, openContext, openFromMenu, run, shot, step, textOf, tid, visible } from './harness.mjs'

const CARDS = ['trade', 'channels', 'zones', 'directives', 'appeals', 'risk', 'invest']

/** The cockpit as /api/overview gives it to the signed-in user. */
async function cockpit(page) {
  return page.evaluate(async () => {
    const r = await fetch('/api/overview', { headers: { Accept: 'application/json' } })
    if (!r.ok) throw new Error(`GET /api/overview answered ${r.status}`)
    return r.json()
  })
}

/** A trade amount as the pages show it: 亿元 in Chinese, billions of yuan in English. */
async function tradeAmount(page, yuan, lang) {
  return page.evaluate(
    ([v, zh]) => (v / (zh ? 1e8 : 1e9)).toLocaleString(zh ? 'zh-CN' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    [yuan, lang === 'zh'],
  )
}

/** The test ids of the cards shown, in page order. */
async function cardsShown(page) {
  return page.locator('[data-testid^="cockpit-card-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid').replace('cockpit-card-', '')))
}

/** Waits for the cockpit's cards (the figures come after the page). */
async function cardsLoaded(page) {
  await visible(page, 'cockpit-cards', "the cockpit's cards")
}

run({ screenshots: 'overview-screenshots', overallTimeoutMs: 200_000, stepTimeoutMs: 20_000, failureShot: 'cockpit-failure.png' }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step('the Department of Commerce evaluates the risk indicators: open alerts exist', async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, 'commerce')
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-risk', '/risk', '风险预警')
    await page.locator('#tab-alerts').click()
    await visible(page, 'alert-evaluate', 'the evaluate-now button')
    await page.locator(tid('alert-evaluate')).click()
    await page.locator('.el-message--success').filter({ hasText: '评估完成' }).waitFor({ state: 'visible' })
    await logout(zh)
  })

  let o = null
  await step("a leader's cockpit: the province named, every module's card, each labelled with its source", async () => {
    await login(zh, 'leader')
    await expectPath(page, '/')
    await expectText(page, 'page-title', '概览')
    await cardsLoaded(page)
    await expectText(page, 'page-subtitle', '吉林省')
    await expectText(page, 'page-subtitle', '全省视图')
    const shown = await cardsShown(page)
    check(CARDS.every((c) => shown.includes(c)), `the cards shown are ${shown.join(', ')}`)
    check((await page.locator('[data-testid^="cockpit-placeholder-"]').count()) === 0, 'a card is a placeholder')
    o = await cockpit(page)
    check(o.scope.kind === 'province', `the scope is ${o.scope.kind}`)
    for (const c of CARDS) {
      const source = await textOf(page, `cockpit-source-${c}`)
      check(source.startsWith('来源：') && source.length > 6, `the ${c} card's source reads "${source}"`)
      if (o[c].synthetic) await expectText(page, `cockpit-synthetic-${c}`, '合成演示数据')
    }
    await expectText(page, 'cockpit-synthetic-trade', '合成演示数据')
  })

  await step("the trade card's year to date is the figure /api/overview gives, its chart drawn", async () => {
    const want = await tradeAmount(page, o.trade.ytd.value, 'zh')
    const got = await textOf(page, 'cockpit-trade-ytd')
    check(got === want, `the card shows "${got}", /api/overview gives ${o.trade.ytd.value} yuan ("${want}" 亿元)`)
    await expectText(page, 'cockpit-card-trade', '亿元')
    const partners = await page.locator(`${tid('cockpit-trade-partners')} li`).count()
    check(partners === o.trade.partners.length && partners > 0, `${partners} partners listed, the API gives ${o.trade.partners.length}`)
    await expectChartDrawn(page, 'cockpit-trade-trend', { minSize: 40, minInked: 300 })
  })

  await step('what changed since last month: a sentence per change, each a link', async () => {
    const items = page.locator(`${tid('cockpit-changes')} a`)
    const n = await items.count()
    check(n === o.changes.length && n > 0, `${n} changes listed, the API gives ${o.changes.length}`)
    const first = o.changes[0]
    const link = page.locator(tid(`cockpit-change-${first.kind}-${first.id}`)).first()
    const text = ((await link.textContent()) ?? '').trim()
    check(text.includes(first.subject_zh), `the first change reads "${text}", its subject is ${first.subject_zh}`)
    const href = (await link.getAttribute('href')) ?? ''
    const expected = { alert: '/risk', overdue: `/tasks/${first.id}`, partner: '/trade', zone: `/zones/${first.id}/report` }[first.kind]
    check(href.startsWith(expected), `the first change (${first.kind}) links to ${href}`)
    await expectText(page, 'cockpit-risk-red', '红色')
  })

  await step('the trade card opens the trade page; back to the cockpit', async () => {
    await page.locator(tid('cockpit-card-trade')).click({ position: { x: 120, y: 70 } })
    await expectPath(page, '/trade')
    await expectText(page, 'page-title', '对外贸易')
    await page.goBack()
    await expectPath(page, '/')
    await cardsLoaded(page)
    await expectChartDrawn(page, 'cockpit-trade-trend', { minSize: 40, minInked: 300 })
    await page.mouse.move(600, 110)
    await shot(page, 'cockpit-zh-1366x768.png')
  })

  await step('the cockpit in English', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Overview')
    await expectText(page, 'page-subtitle', 'Jilin Province')
    await expectText(page, 'cockpit-link-trade', 'Foreign trade')
    await expectText(page, 'cockpit-synthetic-trade', 'Synthetic demo data')
    await expectText(page, 'cockpit-changes', 'What changed since last month')
    const want = await tradeAmount(page, o.trade.ytd.value, 'en')
    const got = await textOf(page, 'cockpit-trade-ytd')
    check(got === want, `the card shows "${got}", /api/overview gives ${o.trade.ytd.value} yuan ("${want}" bn)`)
    const first = o.changes[0]
    const text = ((await page.locator(tid(`cockpit-change-${first.kind}-${first.id}`)).first().textContent()) ?? '').trim()
    check(text.includes(first.subject_en), `the first change reads "${text}" in English`)
    await expectChartDrawn(page, 'cockpit-trade-trend', { minSize: 40, minInked: 300 })
    await page.mouse.move(600, 110)
    await shot(page, 'cockpit-en-1366x768.png')
  })

  await step('the wall display: 1920×1080 in full screen, the cockpit over the whole window', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', '概览')
    const before = await page.locator(`${tid('cockpit-trade-trend')} canvas`).first().boundingBox()
    await page.setViewportSize({ width: 1920, height: 1080 })
    await page.locator(tid('cockpit-fullscreen')).click()
    await expectText(page, 'cockpit-fullscreen', '退出全屏')
    const box = await page.locator(tid('cockpit')).boundingBox()
    check(box && box.x === 0 && box.y === 0 && box.width >= 1900, `the cockpit covers ${JSON.stringify(box)}`)
    await page.waitForTimeout(500)
    const after = await expectChartDrawn(page, 'cockpit-trade-trend', { minSize: 40, minInked: 300 })
    check(after.width > before.width, `the trade chart did not grow (${before.width} -> ${after.width})`)
    await page.mouse.move(900, 30)
    await shot(page, 'cockpit-wall-zh-1920x1080.png')
    await page.locator(tid('cockpit-fullscreen')).click()
    await page.locator(`${tid('cockpit')}.is-wall`).waitFor({ state: 'detached' })
    await page.setViewportSize({ width: 1366, height: 768 })
    await visible(page, 'nav-trade', 'the menu after leaving full screen')
  })

  await step("Hunchun's city government: its city in the header, Yanbian's customs figures, its own zones", async () => {
    await logout(zh)
    await login(zh, 'hunchun')
    await expectPath(page, '/')
    await cardsLoaded(page)
    await expectText(page, 'page-subtitle', '珲春市人民政府')
    await expectText(page, 'page-subtitle', '市级视图')
    const c = await cockpit(page)
    check(c.scope.kind === 'city' && c.trade?.city === '222400', `the scope is ${c.scope.kind}, the trade of ${c.trade?.city}`)
    await expectText(page, 'cockpit-trade-prefecture', '延边朝鲜族自治州')
    const want = await tradeAmount(page, c.trade.ytd.value, 'zh')
    check((await textOf(page, 'cockpit-trade-ytd')) === want, `the city's year to date should read ${want}`)
    await visible(page, 'cockpit-zones-own', "the city's own zones")
    for (const z of c.zones.own) await expectText(page, 'cockpit-zones-own', z.name_zh)
    await expectText(page, 'cockpit-zones-own', '珲春边境经济合作区')
    await expectChartDrawn(page, 'cockpit-trade-trend', { minSize: 40, minInked: 300 })
    await page.mouse.move(600, 110)
    await shot(page, 'cockpit-city-zh-1366x768.png')
  })

  await step('an enterprise sees its own appeals and its own trade, nothing else', async () => {
    await logout(zh)
    await login(zh, 'faw')
    await expectPath(page, '/')
    await cardsLoaded(page)
    await expectText(page, 'page-subtitle', '企业视图')
    const shown = await cardsShown(page)
    check(shown.length === 2 && shown.includes('appeals') && shown.includes('trade'), `the cards shown are ${shown.join(', ')}`)
    check((await page.locator('[data-testid^="cockpit-placeholder-"]').count()) === 0, 'a placeholder is shown')
    const c = await cockpit(page)
    check(c.changes.every((x) => x.kind === 'partner'), 'an enterprise is told of changes other than its partners')
    check((await page.locator(tid('cockpit-changes')).count()) === (c.changes.length > 0 ? 1 : 0), 'the changes list does not follow the API')
    const open = await textOf(page, 'cockpit-appeals-open')
    check(open.includes(String(c.appeals.open)), `the open appeals read "${open}", the API gives ${c.appeals.open}`)
    check(Boolean(c.trade?.enterprise), 'the API gives no enterprise trade')
    const want = await tradeAmount(page, c.trade.ytd.value, 'zh')
    check((await textOf(page, 'cockpit-trade-ytd')) === want, `the enterprise's year to date should read ${want}`)
    await expectText(page, 'cockpit-trade-enterprise', c.trade.enterprise)
    check((await page.locator(tid('cockpit-link-trade')).count()) === 0, 'the trade card links to a page the enterprise may not open')
    await page.mouse.move(600, 110)
    await shot(page, 'cockpit-enterprise-zh-1366x768.png')
  })
})
