#!/usr/bin/env node
// Browser test of the cooperation page (对外合作): the Department of Commerce, which keeps the
// registry, opens it from the menu and reads the network (the world map drawn, the partners
// listed with synthetic and unverified rows labelled), the year's exchanges, inbound tourism
// (labelled synthetic, with its source, the year to date with YoY and both charts drawn) and
// entry facilitation (the ports with their status coloured, their map and the visa policies).
// It then opens the Zhejiang counterpart partner, adds a contact and saves it; the contact is
// still there after a reload. Last, the network in English.
//
// Environment: KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD (see harness.mjs).
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, check, expectChartDrawn, expectPath, expectText, inputOf, login, openContext, openFromMenu, run, shot, step, tableRows, textOf, tid, visible } from './harness.mjs'

const CONTACT = { name: '周联络（测试）', role: '对口合作联络员', phone: '0571-87000000' }

/** Switches the page to the tab `name` and waits for its board `board`. */
async function openTab(page, name, board) {
  await page.locator(`#tab-${name}`).click()
  await visible(page, board, `the ${name} tab`)
  if (name !== 'network') await page.waitForURL((u) => u.searchParams.get('tab') === name)
}

/** Opens the drawer of the partner `code` from the registry table. */
async function openPartner(page, code) {
  await page.locator(tid(`partner-open-${code}`)).click()
  await visible(page, 'partner-drawer', `the drawer of ${code}`)
  await page.waitForURL((u) => u.searchParams.has('partner'))
}

/** Closes the open drawer and waits for it to go. */
async function closeDrawer(page) {
  await page.keyboard.press('Escape')
  await page.locator(tid('partner-drawer')).waitFor({ state: 'hidden' })
}

/** Scrolls the page back to its title (the shell scrolls its main area, not the window). */
async function toTop(page) {
  await page.locator(tid('page-title')).evaluate((el) => {
    for (let n = el.parentElement; n; n = n.parentElement) n.scrollTop = 0
  })
}

const number = (s) => Number(s.replace(/[,\s]/g, ''))

run({ screenshots: 'cooperation-screenshots', overallTimeoutMs: 200_000, stepTimeoutMs: 20_000, failureShot: 'coop-failure.png' }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step('the Department of Commerce opens 对外合作 from the menu', async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, 'commerce')
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-cooperation', '/cooperation', '对外合作')
    await visible(page, 'coop-network', 'the network board')
  })

  await step('the network: the map drawn, every partner listed, synthetic and unverified rows labelled', async () => {
    await expectChartDrawn(page, 'coop-map', { minSize: 200, minInked: 5000 })
    const rows = await tableRows(page, 'coop-partner-table')
    const n = await rows.count()
    check(n >= 10, `the registry lists ${n} partners`)
    const total = await textOf(page, 'coop-partner-count')
    check(number(total) === n, `the count reads ${total}, the table has ${n} rows`)
    const synthetic = await page.locator(`${tid('coop-partner-table')} ${tid('partner-synthetic')}`).count()
    const unverified = await page.locator(`${tid('coop-partner-table')} ${tid('partner-unverified')}`).count()
    check(synthetic >= 1, 'no row carries the synthetic tag')
    check(unverified >= 1, 'no row carries the unverified tag')
    await visible(page, 'partner-open-zj-counterpart', 'the Zhejiang counterpart')
    await visible(page, 'coop-new-partner', 'the new-partner button')
    await visible(page, 'export-xlsx', 'the Excel export')
    await toTop(page)
    await shot(page, 'coop-network-zh-1366x768.png')
  })

  await step("the year's exchanges: figures, the chart by kind and the list, labelled synthetic", async () => {
    await openTab(page, 'exchanges', 'coop-exchanges')
    await visible(page, 'card-coop-exchanges-value', 'the exchanges card')
    let count = number(await textOf(page, 'card-coop-exchanges-value'))
    if (count === 0) {
      // Early in January the demo's exchanges all lie in the year before.
      const year = new Date().getFullYear() - 1
      await page.locator(tid('coop-exchange-year')).click()
      await page.locator('.el-select-dropdown__item:visible', { hasText: String(year) }).first().click()
      await expectText(page, 'coop-exchange-table', String(year))
      count = number(await textOf(page, 'card-coop-exchanges-value'))
    }
    check(count >= 1, `the exchanges card reads ${count}`)
    for (const name of ['inbound', 'outbound', 'hosted', 'participants', 'agreements', 'projects']) {
      const v = await textOf(page, `card-coop-${name}-value`)
      check(/^[\d,]+$/.test(v), `card ${name} shows "${v}"`)
    }
    const rows = await tableRows(page, 'coop-exchange-table')
    check((await rows.count()) === count, `the list has ${await rows.count()} rows, the card counts ${count}`)
    await visible(page, 'exchange-synthetic', 'the synthetic tag')
    await expectChartDrawn(page, 'coop-chart-kinds', { minSize: 100, minInked: 1000 })
    await visible(page, 'coop-record-exchange', 'the record-exchange button')
    await shot(page, 'coop-exchanges-zh-1366x768.png')
  })

  await step('inbound tourism: labelled synthetic with its source, year to date with YoY, both charts drawn', async () => {
    await openTab(page, 'tourism', 'coop-tourism')
    await expectText(page, 'coop-tourism-synthetic', '合成演示数据')
    await expectText(page, 'coop-tourism-synthetic', '数据来源')
    const visitors = await textOf(page, 'card-coop-visitors-value')
    check(/^[\d,]+$/.test(visitors) && number(visitors) > 0, `the arrivals card shows "${visitors}"`)
    const yoy = await textOf(page, 'card-coop-yoy-value')
    check(/^[+-]?[\d,.]+%$/.test(yoy), `the YoY card shows "${yoy}"`)
    await expectText(page, 'card-coop-visitors', '累计')
    for (const id of ['coop-chart-months', 'coop-chart-markets']) await expectChartDrawn(page, id, { minSize: 100, minInked: 1500 })
    await visible(page, 'coop-tourism-import', 'the import button')
    await shot(page, 'coop-tourism-zh-1366x768.png')
  })

  await step('entry facilitation: the ports with their status coloured, their map, the visa policies', async () => {
    await openTab(page, 'entry', 'coop-entry')
    const rows = await tableRows(page, 'coop-port-table')
    const n = await rows.count()
    check(n === 16, `the port table lists ${n} ports`)
    const open = page.locator(tid('port-status-cn-ru-hunchun-road'))
    await expectText(page, 'port-status-cn-ru-hunchun-road', '开放')
    check(((await open.getAttribute('class')) ?? '').includes('el-tag--success'), 'an open port is not tagged green')
    const closed = page.locator(`${tid('coop-port-table')} .el-tag--danger`)
    check((await closed.count()) >= 1, 'no closed port is tagged red')
    check(((await closed.first().textContent()) ?? '').includes('关闭'), 'the red tag does not read 关闭')
    await expectChartDrawn(page, 'coop-port-map', { minSize: 150, minInked: 2000 })
    await visible(page, 'policy-cn-ru-group-visa-free', 'the China–Russia group visa-free policy')
    await expectText(page, 'coop-policies', '来源')
    await shot(page, 'coop-entry-zh-1366x768.png')
  })

  let before = 0
  await step("the Zhejiang counterpart's drawer: a contact added and saved", async () => {
    await openTab(page, 'network', 'coop-network')
    await openPartner(page, 'zj-counterpart')
    await expectText(page, 'partner-drawer', '浙江省')
    before = await page.locator(`${tid('partner-drawer')} ${tid('partner-contact')}`).count()
    await page.locator(tid('partner-edit')).click()
    await visible(page, 'partner-edit-form', 'the edit form')
    const i = await page.locator('[data-testid^="contact-row-"]').count()
    check(i === before, `the form has ${i} contact rows, the drawer showed ${before}`)
    await page.locator(tid('contact-add')).click()
    await inputOf(page, `contact-name-${i}`).fill(CONTACT.name)
    await inputOf(page, `contact-role-${i}`).fill(CONTACT.role)
    await inputOf(page, `contact-phone-${i}`).fill(CONTACT.phone)
    await page.locator(tid('partner-save')).click()
    await page.locator('.el-message--success').filter({ hasText: '已保存' }).waitFor({ state: 'visible' })
    await page.locator(tid('partner-edit-form')).waitFor({ state: 'detached' })
    await expectText(page, 'partner-contacts', CONTACT.name)
    await expectText(page, 'partner-contacts', CONTACT.phone)
  })

  await step('the contact is kept: after a reload the partner shows it', async () => {
    await page.reload()
    // The open partner is in the address, so the drawer comes back with the page.
    await visible(page, 'partner-drawer', 'the drawer after the reload')
    await expectText(page, 'partner-contacts', CONTACT.name)
    const after = await page.locator(`${tid('partner-drawer')} ${tid('partner-contact')}`).count()
    check(after === before + 1, `the partner has ${after} contacts, had ${before}`)
    await closeDrawer(page)
    await openPartner(page, 'zj-counterpart')
    await expectText(page, 'partner-contacts', CONTACT.role)
    await closeDrawer(page)
  })

  await step('the network in English', async () => {
    await page.locator(tid('lang-switch')).click()
    await page.locator('#tab-network').filter({ hasText: 'Network' }).waitFor({ state: 'visible' })
    await expectText(page, 'page-title', 'International cooperation')
    const head = (await page.locator(`${tid('coop-partner-table')} .el-table__header`).textContent()) ?? ''
    check(head.includes('Kind') && head.includes('Status') && head.includes('Country'), `the table header reads "${head}"`)
    await expectText(page, 'coop-kinds', 'Counterpart')
    await expectChartDrawn(page, 'coop-map', { minSize: 200, minInked: 5000 })
    await toTop(page)
    await shot(page, 'coop-network-en-1366x768.png')
  })
})
