#!/usr/bin/env node
// Browser smoke test of the Kaifang web UI against a running server.
//
// Environment (and KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD: see harness.mjs;
// screenshots default to ./smoke-screenshots):
//   KAIFANG_USER      administrator account (default admin)
//   KAIFANG_ENTERPRISE_USER  enterprise account, same password (default faw)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, PASSWORD, StepError, chartSizes, check, expectPath, expectText,
  login, logout, openContext, openFromMenu, run, shot, step, tableRows, textOf, tid } from './harness.mjs'

const USER = process.env.KAIFANG_USER || 'admin'
const ENTERPRISE_USER = process.env.KAIFANG_ENTERPRISE_USER || 'faw'

/** The cockpit's chart: the trade card's 13-month sparkline. */
const CHARTS = ['cockpit-trade-trend']

run({ screenshots: 'smoke-screenshots', overallTimeoutMs: 60_000 }, async ({ meta }) => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh
  let sizes1366 = null

  await step('zh-CN visitor lands on /login in Chinese; a wrong password shows an error', async () => {
    await page.goto(`${BASE}/`)
    await expectPath(page, '/login')
    await expectText(page, 'page-title', '登录')
    check((await page.getAttribute('html', 'lang')) === 'zh-CN', 'html lang should be zh-CN')
    await expectText(page, 'login-submit', '登录')
    zh.state.expectLoginFailure = true
    await page.locator(tid('login-username')).fill(USER)
    await page.locator(tid('login-password')).fill(`${PASSWORD}-wrong`)
    await page.locator(tid('login-submit')).click()
    try {
      await page.locator(tid('login-error')).waitFor({ state: 'visible' })
    } catch {
      throw new StepError('login-error did not appear after a wrong password')
    }
    check((await textOf(page, 'login-error')).length > 0, 'login-error is empty')
    await expectPath(page, '/login')
  })

  await step('sign in: the cockpit with banner, title, its cards, the trade chart and figures', async () => {
    await login(zh, USER)
    zh.state.expectLoginFailure = false
    await expectPath(page, '/')
    await expectText(page, 'page-title', '概览')
    const banner = page.locator(tid('demo-banner'))
    if (meta.demo) {
      check(await banner.isVisible(), 'demo-banner should be visible (meta.demo is true)')
      check((await banner.textContent()).includes('演示数据'), 'demo-banner should be in Chinese')
    } else {
      check((await banner.count()) === 0, 'demo-banner should be absent (meta.demo is false)')
    }
    await page.locator(tid('cockpit-cards')).waitFor({ state: 'visible' })
    sizes1366 = await chartSizes(page, CHARTS)
    const value = page.locator(tid('cockpit-trade-ytd'))
    await value.waitFor({ state: 'visible' })
    const n = Number(((await value.textContent()) ?? '').replace(/[^\d.]/g, ''))
    check(n > 0, `the trade card's year to date should be a number > 0, shows "${await value.textContent()}"`)
  })

  await step('screenshot overview-zh-1366x768.png', async () => {
    await shot(page, 'overview-zh-1366x768.png')
  })

  await step('switch to English; the choice survives a reload', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Overview')
    await expectText(page, 'nav-overview', 'Overview')
    await expectText(page, 'nav-organisations', 'Organisations')
    check((await page.getAttribute('html', 'lang')) === 'en', 'html lang should be en')
    await page.reload()
    await expectPath(page, '/')
    await expectText(page, 'page-title', 'Overview')
    await expectText(page, 'nav-jobs', 'Jobs')
    if (meta.demo) await expectText(page, 'demo-banner', 'Demo data')
    await chartSizes(page, CHARTS)
    await shot(page, 'overview-en-1366x768.png')
  })

  await step('wall display 1920x1080: the chart grows; screenshot', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 })
    await page.waitForTimeout(400)
    const wide = await chartSizes(page, CHARTS)
    for (const id of CHARTS) {
      check(wide[id].width > sizes1366[id].width, `${id} did not grow with the window (${sizes1366[id].width} -> ${wide[id].width})`)
    }
    await shot(page, 'overview-en-1920x1080.png')
  })

  await step("organisations page: the registry's counts above the list of organisations", async () => {
    await page.setViewportSize({ width: 1366, height: 768 })
    await openFromMenu(page, 'nav-organisations', '/organisations', 'Organisations')
    const rows = await tableRows(page, 'orgs-table')
    check((await rows.count()) > 0, 'orgs-table has no rows')
    const value = page.locator(tid('registry-organisations-value'))
    await value.waitFor({ state: 'visible' })
    const n = Number(((await value.textContent()) ?? '').replace(/[^\d]/g, ''))
    check(n > 0, `the organisations count should be a number > 0, shows "${await value.textContent()}"`)
    await expectText(page, 'registry-counts', 'Audit entries')
    await shot(page, 'organisations-en-1366x768.png')
  })

  await step('organisations page: an administrator sees and may change an enterprise\'s credit code', async () => {
    const search = page.locator(`input${tid('orgs-search')}, ${tid('orgs-search')} input`).first()
    await search.fill('faw-ie')
    await expectText(page, 'orgs-uscc', '91220101MA00FAW01E')
    await page.locator(tid('orgs-uscc-edit-faw-ie')).click()
    const box = page.locator('.el-message-box')
    await box.waitFor({ state: 'visible' })
    await box.locator('input').fill('not-a-code')
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await box.locator('.el-message-box__errormsg').waitFor({ state: 'visible' })
    await box.locator('.el-message-box__btns .el-button:not(.el-button--primary)').click()
    await box.waitFor({ state: 'hidden' })
    await expectText(page, 'orgs-uscc', '91220101MA00FAW01E')
    await search.fill('')
  })

  const en = await openContext('en', 'en-US')
  await step(`en-US visitor sees English; ${ENTERPRISE_USER} (enterprise) sees no Users or Audit`, async () => {
    await en.page.goto(`${BASE}/login`)
    await expectText(en.page, 'page-title', 'Sign in')
    check((await en.page.getAttribute('html', 'lang')) === 'en', 'html lang should be en')
    await login(en, ENTERPRISE_USER)
    await expectPath(en.page, '/')
    await expectText(en.page, 'page-title', 'Overview')
    await en.page.locator(tid('nav-organisations')).waitFor({ state: 'visible' })
    await en.page.locator(tid('nav-jobs')).waitFor({ state: 'visible' })
    check((await en.page.locator(tid('nav-users')).count()) === 0, 'enterprise user should not see nav-users')
    check((await en.page.locator(tid('nav-audit')).count()) === 0, 'enterprise user should not see nav-audit')
    await openFromMenu(en.page, 'nav-organisations', '/organisations', 'Organisations')
    await tableRows(en.page, 'orgs-table')
    check((await en.page.locator(tid('registry-counts')).count()) === 0, "enterprise user should not see the registry's counts")
  })

  await step('sign out returns to /login and the session is gone', async () => {
    for (const ctx of [en, zh]) {
      const p = ctx.page
      await logout(ctx)
      await p.goto(`${BASE}/jobs`)
      await expectPath(p, '/login')
      check(new URL(p.url()).searchParams.get('redirect') === '/jobs', 'login should remember where to return')
    }
  })
})
