//! Who may read and write what: the whole access policy, as pure functions.
//!
//! The server asks these functions and turns a [`Decision`] into 403 or 404, or a scope into
//! the filter of a list; it never decides on its own. Records that belong to an organisation
//! are hidden (404) from users who may not even know they exist (an enterprise looking at
//! another enterprise), and refused (403) to users who may read them but not change them.

use crate::{Module, OrgKind, Role};

/// The person (or machine client) making a request, as far as the policy cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub org_id: i64,
    /// Modules whose data the actor's organisation owns (only departments own any).
    pub modules: Vec<Module>,
}

/// The answer to "may this actor do that?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The actor may know the record exists but may not do this to it.
    Forbidden,
    /// The actor may not know the record exists.
    NotFound,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }

    fn from_bool(allowed: bool, otherwise: Decision) -> Decision {
        if allowed { Decision::Allow } else { otherwise }
    }
}

/// Which appeals a list shows ([`Actor::appeal_scope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealScope {
    /// Leaders, admins, intake.
    All,
    /// An enterprise: the appeals it filed.
    FiledBy(i64),
    /// A department, city or zone: the appeals assigned to it.
    AssignedTo(i64),
}

impl Role {
    /// Whether an account of this role may belong to an organisation of `kind`: enterprise
    /// staff work for enterprises, local staff for cities and zones, department staff for
    /// departments. Admins and leaders sit in a department (the provincial government's
    /// general office, in the demo). The rules below take an actor's organisation to be of the
    /// kind its role implies; accounts are checked against this when they are created.
    pub fn fits(self, kind: OrgKind) -> bool {
        match self {
            Role::Admin | Role::Leader | Role::Department => kind == OrgKind::Department,
            Role::Local => matches!(kind, OrgKind::City | OrgKind::Zone),
            Role::Enterprise => kind == OrgKind::Enterprise,
        }
    }
}

impl Actor {
    /// Readers of everything: admins, leaders and provincial departments.
    pub fn reads_all(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Leader | Role::Department)
    }

    /// Platform administration: accounts, organisations, backups.
    pub fn administer(&self) -> Decision {
        match self.role {
            Role::Admin => Decision::Allow,
            _ => Decision::Forbidden,
        }
    }

    /// Reading a record that belongs to organisation `owner`.
    pub fn read_owned_by(&self, owner: i64) -> Decision {
        Decision::from_bool(self.reads_all() || owner == self.org_id, Decision::NotFound)
    }

    /// Writing a record of `module` that belongs to organisation `owner`.
    ///
    /// Admins write anything; departments write the modules their department owns, whoever
    /// the record belongs to; city, zone and enterprise staff write their own organisation's
    /// records only; leaders read and never write.
    pub fn write_owned_by(&self, module: Option<Module>, owner: i64) -> Decision {
        let visible = self.read_owned_by(owner);
        if !visible.is_allowed() {
            return visible;
        }
        let allowed = match self.role {
            Role::Admin => true,
            Role::Leader => false,
            Role::Department => {
                owner == self.org_id || module.is_some_and(|m| self.modules.contains(&m))
            }
            Role::Local | Role::Enterprise => owner == self.org_id,
        };
        Decision::from_bool(allowed, Decision::Forbidden)
    }

    /// Creating records of the platform's shared services (uploads, jobs) for one's own
    /// organisation: everyone but leaders, who only read.
    pub fn contribute(&self) -> Decision {
        Decision::from_bool(self.role != Role::Leader, Decision::Forbidden)
    }

    /// The organisation registry: everyone sees it, except enterprise staff, who see only
    /// their own enterprise (other enterprises are competitors).
    pub fn read_org(&self, org: i64) -> Decision {
        Decision::from_bool(
            self.role != Role::Enterprise || org == self.org_id,
            Decision::NotFound,
        )
    }

    /// Which organisations the registry lists: all (`None`), or for enterprise staff their own
    /// alone, as [`Actor::read_org`] allows.
    pub fn org_scope(&self) -> Option<i64> {
        (self.role == Role::Enterprise).then_some(self.org_id)
    }

    /// The kinds of file (extensions) the actor may upload, when limited: enterprises upload
    /// only what an appeal needs as evidence (scans, photos, a spreadsheet of figures), not
    /// datasets for the platform.
    pub fn upload_types(&self) -> Option<&'static [&'static str]> {
        const APPEAL_EVIDENCE: &[&str] = &["pdf", "png", "jpg", "jpeg", "xlsx", "csv", "txt"];
        (self.role == Role::Enterprise).then_some(APPEAL_EVIDENCE)
    }

    /// Deleting an upload of organisation `owner`: its own staff (not leaders) and admins.
    pub fn delete_upload(&self, owner: i64) -> Decision {
        self.write_owned_by(None, owner)
    }

    /// Which uploads a list shows: all (`None`) for readers of everything, otherwise the
    /// organisation's own, as [`Actor::read_owned_by`] allows.
    pub fn upload_scope(&self) -> Option<i64> {
        (!self.reads_all()).then_some(self.org_id)
    }

    /// An organisation's own details (its contact line): admins, and its own staff except
    /// leaders, who only read.
    pub fn edit_org(&self, org: i64) -> Decision {
        let visible = self.read_org(org);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(
            self.role == Role::Admin || (org == self.org_id && self.role != Role::Leader),
            Decision::Forbidden,
        )
    }

    /// The server's operational figures (`/metrics`): admins, with a session or a token.
    pub fn read_metrics(&self) -> Decision {
        Decision::from_bool(matches!(self.role, Role::Admin), Decision::Forbidden)
    }

    /// The audit log: admins and leaders.
    pub fn read_audit(&self) -> Decision {
        Decision::from_bool(
            matches!(self.role, Role::Admin | Role::Leader),
            Decision::Forbidden,
        )
    }

    /// A record started by a user (a job): the user, or anyone who reads everything.
    pub fn read_started_by(&self, user_id: i64, owner_org: i64) -> Decision {
        Decision::from_bool(
            self.reads_all() || user_id == self.user_id || owner_org == self.org_id,
            Decision::NotFound,
        )
    }

    /// Cancelling a job: the user who started it, or an admin.
    pub fn cancel_started_by(&self, user_id: i64, owner_org: i64) -> Decision {
        let visible = self.read_started_by(user_id, owner_org);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(
            self.role == Role::Admin || user_id == self.user_id,
            Decision::Forbidden,
        )
    }
}

/// Directives supervision and enterprise appeals.
///
/// Supervision belongs to the department that owns the `directives` module (the open-
/// development office); intake of appeals to the one that owns `appeals`. A task is seen by
/// its lead and co-organisations, the supervisor and leaders; an appeal by the enterprise that
/// filed it, the department it is assigned to, intake and leaders. Enterprises never see
/// tasks: those are the government's internal work.
impl Actor {
    fn owns(&self, m: Module) -> bool {
        self.role == Role::Department && self.modules.contains(&m)
    }

    /// Issuing meetings, directives and tasks; closing, returning and deciding extensions.
    pub fn supervise_tasks(&self) -> Decision {
        Decision::from_bool(
            self.role == Role::Admin || self.owns(Module::Directives),
            Decision::Forbidden,
        )
    }

    /// Seeing every task: leaders, admins and the supervisor.
    pub fn reads_all_tasks(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Leader) || self.owns(Module::Directives)
    }

    /// The task lists and summaries at all (enterprises have none).
    pub fn read_tasks(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// Which tasks a list shows: all (`None`), or those the actor's organisation leads or
    /// co-organises. Whether the actor may list tasks at all is [`Actor::read_tasks`].
    pub fn task_scope(&self) -> Option<i64> {
        (!self.reads_all_tasks()).then_some(self.org_id)
    }

    /// One task, led by `lead` with co-organisations `co`.
    pub fn read_task(&self, lead: i64, co: &[i64]) -> Decision {
        Decision::from_bool(
            self.reads_all_tasks()
                || (self.role != Role::Enterprise
                    && (lead == self.org_id || co.contains(&self.org_id))),
            Decision::NotFound,
        )
    }

    /// Acting as the lead organisation: signing for, reporting, submitting, asking for time.
    pub fn lead_task(&self, lead: i64, co: &[i64]) -> Decision {
        let visible = self.read_task(lead, co);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(
            matches!(self.role, Role::Department | Role::Local) && lead == self.org_id,
            Decision::Forbidden,
        )
    }

    /// Acting as the supervisor on one task (closing, returning, deciding an extension).
    pub fn supervise_task(&self, lead: i64, co: &[i64]) -> Decision {
        let visible = self.read_task(lead, co);
        if !visible.is_allowed() {
            return visible;
        }
        self.supervise_tasks()
    }

    /// Commenting on a task: its lead and co-organisations, and the supervisor.
    pub fn comment_task(&self, lead: i64, co: &[i64]) -> Decision {
        let visible = self.read_task(lead, co);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(
            self.supervise_tasks().is_allowed()
                || (matches!(self.role, Role::Department | Role::Local)
                    && (lead == self.org_id || co.contains(&self.org_id))),
            Decision::Forbidden,
        )
    }

    /// Accepting, rejecting and assigning appeals; running the roundtable.
    pub fn intake_appeals(&self) -> Decision {
        Decision::from_bool(
            self.role == Role::Admin || self.owns(Module::Appeals),
            Decision::Forbidden,
        )
    }

    /// Seeing every appeal: leaders, admins and intake.
    pub fn reads_all_appeals(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Leader) || self.owns(Module::Appeals)
    }

    /// Which appeals a list shows: all of them to leaders, admins and intake; an enterprise the
    /// appeals it filed; a department, city or zone the appeals assigned to it.
    pub fn appeal_scope(&self) -> AppealScope {
        if self.reads_all_appeals() {
            AppealScope::All
        } else if self.role == Role::Enterprise {
            AppealScope::FiledBy(self.org_id)
        } else {
            AppealScope::AssignedTo(self.org_id)
        }
    }

    /// One appeal filed by `enterprise`, assigned to `assigned`.
    pub fn read_appeal(&self, enterprise: i64, assigned: Option<i64>) -> Decision {
        Decision::from_bool(
            self.reads_all_appeals()
                || enterprise == self.org_id
                || (self.role != Role::Enterprise && assigned == Some(self.org_id)),
            Decision::NotFound,
        )
    }

    /// Filing an appeal: enterprise staff, for their own enterprise.
    pub fn file_appeal(&self) -> Decision {
        Decision::from_bool(self.role == Role::Enterprise, Decision::Forbidden)
    }

    /// Accepting, rejecting or assigning one appeal: intake, which sees every appeal.
    pub fn intake_appeal(&self, enterprise: i64, assigned: Option<i64>) -> Decision {
        let visible = self.read_appeal(enterprise, assigned);
        if !visible.is_allowed() {
            return visible;
        }
        self.intake_appeals()
    }

    /// Answering: staff of the department (or city, zone) the appeal is assigned to.
    pub fn answer_appeal(&self, enterprise: i64, assigned: Option<i64>) -> Decision {
        let visible = self.read_appeal(enterprise, assigned);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(
            matches!(self.role, Role::Department | Role::Local) && assigned == Some(self.org_id),
            Decision::Forbidden,
        )
    }

    /// Rating the answer, or adding a note to one's own appeal: the enterprise that filed it.
    pub fn own_appeal(&self, enterprise: i64, assigned: Option<i64>) -> Decision {
        let visible = self.read_appeal(enterprise, assigned);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(
            self.role == Role::Enterprise && enterprise == self.org_id,
            Decision::Forbidden,
        )
    }

    /// Commenting on an appeal: everyone who sees it except leaders, who only read.
    pub fn comment_appeal(&self, enterprise: i64, assigned: Option<i64>) -> Decision {
        let visible = self.read_appeal(enterprise, assigned);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(self.role != Role::Leader, Decision::Forbidden)
    }

    /// Roundtable agendas and minutes: everyone in government; enterprises see the meetings
    /// through their own appeals only.
    pub fn read_roundtables(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// The development zones' assessment (rankings, rank intervals, per-zone reports,
    /// sensitivity): everyone in government. The ranking is an internal working document of
    /// the Department of Commerce and the zones, so enterprises are refused. The registry of
    /// zones and the indicator framework come from public sources and are read by everyone.
    pub fn read_zone_assessment(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// Checking a zone's yearly data against the framework before it is submitted: the
    /// people who collect it (zone and city staff, departments, administrators). Leaders
    /// only read; enterprises have no part in it.
    pub fn check_zone_data(&self) -> Decision {
        Decision::from_bool(
            matches!(self.role, Role::Admin | Role::Department | Role::Local),
            Decision::Forbidden,
        )
    }
}

/// Whether an organisation reports a development zone's yearly data: the zone's own
/// administration, registered under the zone's code, and the government of the city the zone
/// lies in (`zone_city`, a GB/T 2260 code), whose commerce bureau collects its zones' figures.
/// These are the `responsible` organisations of the zone-data rules below.
pub fn reports_for_zone(
    zone_code: &str,
    zone_city: &str,
    org_code: &str,
    org_kind: OrgKind,
    org_region: Option<&str>,
) -> bool {
    org_code == zone_code || (org_kind == OrgKind::City && org_region == Some(zone_city))
}

/// A development zone's yearly data (module `platforms`, whose owner reviews it).
///
/// `responsible` are the organisations that report for the zone: the zone's own
/// administration and the government of the city it lies in (a city's commerce bureau
/// collects its zones' figures). They fill in and submit their zone's form and see only
/// their zones; provincial departments and leaders read every zone's; the owner of the
/// `platforms` module approves or returns; enterprises have no part in it.
impl Actor {
    /// The list of submissions at all; what it holds is narrowed by [`Actor::read_zone_data`].
    pub fn list_zone_data(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// One zone's submissions.
    pub fn read_zone_data(&self, responsible: &[i64]) -> Decision {
        if self.role == Role::Enterprise {
            return Decision::Forbidden;
        }
        Decision::from_bool(
            self.reads_all() || responsible.contains(&self.org_id),
            Decision::NotFound,
        )
    }

    /// Filling in, uploading and submitting one zone's form.
    pub fn edit_zone_data(&self, responsible: &[i64]) -> Decision {
        let visible = self.read_zone_data(responsible);
        if !visible.is_allowed() {
            return visible;
        }
        Decision::from_bool(
            self.role == Role::Admin
                || (matches!(self.role, Role::Department | Role::Local)
                    && responsible.contains(&self.org_id)),
            Decision::Forbidden,
        )
    }

    /// Approving or returning a submitted form.
    pub fn review_zone_data(&self) -> Decision {
        Decision::from_bool(
            self.role == Role::Admin || self.owns(Module::Platforms),
            Decision::Forbidden,
        )
    }
}

/// Foreign-trade statistics (module `trade`, owned by the Department of Commerce).
///
/// The province-wide aggregates are government statistics: everyone in government reads
/// them; enterprise staff do not (the figures include other enterprises' trade). Figures by
/// enterprise (rankings, entrants and exits) and analysts' SQL, which reaches the records of
/// every enterprise, are for the provincial level only: admins, leaders and departments.
/// Importing customs statistics replaces the store's periods: the owner of `trade` and admins.
impl Actor {
    /// Aggregates by partner, product, trade mode, city, ownership; trends and indices.
    pub fn read_trade(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// Figures of single enterprises: the enterprise breakdown and enterprise dynamics.
    pub fn read_trade_enterprises(&self) -> Decision {
        Decision::from_bool(self.reads_all(), Decision::Forbidden)
    }

    /// Read-only SQL over the records and aggregates.
    pub fn query_trade_sql(&self) -> Decision {
        Decision::from_bool(self.reads_all(), Decision::Forbidden)
    }

    /// Importing customs statistics into the trade store.
    pub fn import_trade(&self) -> Decision {
        Decision::from_bool(
            self.role == Role::Admin || self.owns(Module::Trade),
            Decision::Forbidden,
        )
    }
}

/// Freight studies on the province's network (loads and bottlenecks, the criticality
/// ranking, the project appraisal): government planning material, read and run by everyone
/// in government. A study computes on the shared default inputs and writes nothing, so
/// running one is reading. Enterprises are refused: the ranking of which crossing's loss hurts
/// most and the candidate projects with their costs are internal working documents.
impl Actor {
    pub fn read_freight_studies(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }
}

/// Risk watch: the indicators and their readings are the government's working picture of
/// where opening-up is exposed; enterprises see none of it (other firms' weight is in it).
impl Actor {
    pub fn read_risk(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// Running an evaluation on demand (it raises alerts): administrators and provincial
    /// departments. Leaders read; the daily evaluation runs by itself.
    pub fn evaluate_risk(&self) -> Decision {
        if !self.read_risk().is_allowed() {
            return self.read_risk();
        }
        Decision::from_bool(
            matches!(self.role, Role::Admin | Role::Department),
            Decision::Forbidden,
        )
    }

    /// Acknowledging, handling, noting, closing or dismissing an alert owned by `owner`: the
    /// owner organisation's staff and administrators; an alert nobody owns, any provincial
    /// department.
    pub fn act_on_alert(&self, owner: Option<i64>) -> Decision {
        if !self.read_risk().is_allowed() {
            return self.read_risk();
        }
        let allowed = match (self.role, owner) {
            (Role::Admin, _) => true,
            (Role::Department | Role::Local, Some(o)) => o == self.org_id,
            (Role::Department, None) => true,
            _ => false,
        };
        Decision::from_bool(allowed, Decision::Forbidden)
    }

    /// Turning a red alert into a supervision task: whoever issues tasks.
    pub fn alert_to_task(&self) -> Decision {
        if !self.read_risk().is_allowed() {
            return self.read_risk();
        }
        self.supervise_tasks()
    }
}

/// Investment projects (招商引资项目): a city's or zone's pipeline is its own working list, so
/// cities and zones read and edit the projects located with them or that they lead; provincial
/// departments and leaders read every project, and the department owning `invest` (Commerce)
/// and administrators edit every one. Enterprises see none: the list names other investors,
/// their amounts and the state of talks.
impl Actor {
    /// The project list at all (and the pipeline's statistics, scoped as the list is).
    pub fn read_projects(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// Which projects a list shows: all (`None`), or those of one organisation — located in
    /// it (city or zone) or led by it.
    pub fn project_scope(&self) -> Option<i64> {
        (!self.reads_all()).then_some(self.org_id)
    }

    /// One project located in `city` (and `zone`) and led by `lead`.
    pub fn read_project(&self, city: i64, zone: Option<i64>, lead: i64) -> Decision {
        if self.role == Role::Enterprise {
            return Decision::NotFound;
        }
        let own = [Some(city), zone, Some(lead)].contains(&Some(self.org_id));
        Decision::from_bool(self.reads_all() || own, Decision::NotFound)
    }

    /// Entering a project, moving it through its stages, logging its problems.
    pub fn edit_project(&self, city: i64, zone: Option<i64>, lead: i64) -> Decision {
        let visible = self.read_project(city, zone, lead);
        if !visible.is_allowed() {
            return visible;
        }
        let own = [Some(city), zone, Some(lead)].contains(&Some(self.org_id));
        let allowed = match self.role {
            Role::Admin => true,
            Role::Leader | Role::Enterprise => false,
            Role::Department => own || self.owns(Module::Invest),
            Role::Local => own,
        };
        Decision::from_bool(allowed, Decision::Forbidden)
    }

    /// Entering projects at all (before a particular project exists): everyone who may edit
    /// some project. Which city, zone and lead a new project may name is checked per project.
    pub fn enter_projects(&self) -> Decision {
        Decision::from_bool(
            matches!(self.role, Role::Admin | Role::Department | Role::Local),
            Decision::Forbidden,
        )
    }
}

/// The monthly bulletin (月度通报) reports on the whole province, other enterprises' trade and
/// every department's tasks included: those who read everything read it; administrators and
/// provincial departments issue one (leaders read; the schedule issues by itself).
impl Actor {
    pub fn read_bulletins(&self) -> Decision {
        Decision::from_bool(self.reads_all(), Decision::Forbidden)
    }

    pub fn issue_bulletin(&self) -> Decision {
        Decision::from_bool(
            matches!(self.role, Role::Admin | Role::Department),
            Decision::Forbidden,
        )
    }
}

/// The cooperation registry (对外合作): partners, their contacts, exchanges and arrivals are
/// the government's working file, so every government role reads them and enterprises do
/// not; the department owning `invest` (Commerce) and administrators keep the registry and
/// the tourism figures; a city or department records the exchanges it leads.
impl Actor {
    pub fn read_cooperation(&self) -> Decision {
        Decision::from_bool(self.role != Role::Enterprise, Decision::Forbidden)
    }

    /// Entering and changing partners, linking projects, importing tourism figures.
    pub fn edit_cooperation(&self) -> Decision {
        Decision::from_bool(
            self.role == Role::Admin || self.owns(Module::Invest),
            Decision::Forbidden,
        )
    }

    /// Recording an exchange led by organisation `lead`.
    pub fn record_exchange(&self, lead: i64) -> Decision {
        let allowed = match self.role {
            Role::Admin => true,
            Role::Department => self.owns(Module::Invest) || self.org_id == lead,
            Role::Local => self.org_id == lead,
            Role::Leader | Role::Enterprise => false,
        };
        Decision::from_bool(allowed, Decision::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cooperation_registry_is_kept_by_commerce_and_exchanges_by_their_lead() {
        let commerce = actor(Role::Department, 1, &[Module::Invest]);
        assert!(commerce.edit_cooperation().is_allowed());
        assert!(commerce.record_exchange(7).is_allowed());
        let transport = actor(Role::Department, 2, &[Module::Channels]);
        assert!(transport.read_cooperation().is_allowed());
        assert_eq!(transport.edit_cooperation(), Decision::Forbidden);
        assert!(transport.record_exchange(2).is_allowed());
        assert_eq!(transport.record_exchange(7), Decision::Forbidden);
        let city = actor(Role::Local, 3, &[]);
        assert!(city.record_exchange(3).is_allowed());
        assert_eq!(city.edit_cooperation(), Decision::Forbidden);
        let leader = actor(Role::Leader, 4, &[]);
        assert!(leader.read_cooperation().is_allowed());
        assert_eq!(leader.record_exchange(4), Decision::Forbidden);
        let firm = actor(Role::Enterprise, 5, &[]);
        assert_eq!(firm.read_cooperation(), Decision::Forbidden);
        assert!(actor(Role::Admin, 6, &[]).edit_cooperation().is_allowed());
    }

    #[test]
    fn alerts_are_acted_on_by_their_owner_and_administrators() {
        let dept = actor(Role::Department, 1, &[]);
        assert!(dept.act_on_alert(Some(1)).is_allowed());
        assert_eq!(dept.act_on_alert(Some(2)), Decision::Forbidden);
        assert!(dept.act_on_alert(None).is_allowed());
        assert!(
            actor(Role::Admin, 9, &[])
                .act_on_alert(Some(2))
                .is_allowed()
        );
        let leader = actor(Role::Leader, 3, &[]);
        assert_eq!(leader.act_on_alert(Some(3)), Decision::Forbidden);
        assert_eq!(leader.evaluate_risk(), Decision::Forbidden);
        assert!(leader.read_risk().is_allowed());
        let local = actor(Role::Local, 4, &[]);
        assert!(local.act_on_alert(Some(4)).is_allowed());
        assert_eq!(local.act_on_alert(None), Decision::Forbidden);
        let firm = actor(Role::Enterprise, 5, &[]);
        assert_eq!(firm.act_on_alert(Some(5)), Decision::Forbidden);
        assert_eq!(firm.alert_to_task(), Decision::Forbidden);
        assert!(
            actor(Role::Department, 6, &[Module::Directives])
                .alert_to_task()
                .is_allowed()
        );
        assert_eq!(dept.alert_to_task(), Decision::Forbidden);
    }

    #[test]
    fn projects_belong_to_their_city_zone_and_lead_and_to_commerce() {
        let (city, zone, lead) = (4, 5, 6);
        let local = actor(Role::Local, city, &[]);
        assert!(local.edit_project(city, Some(zone), lead).is_allowed());
        let other_city = actor(Role::Local, 7, &[]);
        assert_eq!(
            other_city.read_project(city, Some(zone), lead),
            Decision::NotFound
        );
        assert_eq!(other_city.project_scope(), Some(7));
        let zone_staff = actor(Role::Local, zone, &[]);
        assert!(zone_staff.edit_project(city, Some(zone), lead).is_allowed());
        let commerce = actor(Role::Department, 1, &[Module::Invest]);
        assert!(commerce.edit_project(city, None, lead).is_allowed());
        assert_eq!(commerce.project_scope(), None);
        let transport = actor(Role::Department, 2, &[Module::Channels]);
        assert!(transport.read_project(city, None, lead).is_allowed());
        assert_eq!(
            transport.edit_project(city, None, lead),
            Decision::Forbidden
        );
        assert!(
            actor(Role::Department, lead, &[])
                .edit_project(city, None, lead)
                .is_allowed()
        );
        let leader = actor(Role::Leader, 3, &[]);
        assert!(leader.read_project(city, None, lead).is_allowed());
        assert_eq!(leader.edit_project(city, None, lead), Decision::Forbidden);
        assert_eq!(leader.enter_projects(), Decision::Forbidden);
        let firm = actor(Role::Enterprise, lead, &[]);
        assert_eq!(firm.read_projects(), Decision::Forbidden);
        assert_eq!(firm.read_project(city, None, lead), Decision::NotFound);
        assert_eq!(firm.enter_projects(), Decision::Forbidden);
    }

    fn actor(role: Role, org_id: i64, modules: &[Module]) -> Actor {
        Actor {
            user_id: org_id * 10,
            role,
            org_id,
            modules: modules.to_vec(),
        }
    }

    const OWN: i64 = 1;
    const OTHER: i64 = 2;

    #[test]
    fn reading_owned_records() {
        use Decision::*;
        let cases = [
            (Role::Admin, Allow, Allow),
            (Role::Leader, Allow, Allow),
            (Role::Department, Allow, Allow),
            (Role::Local, Allow, NotFound),
            (Role::Enterprise, Allow, NotFound),
        ];
        for (role, own, other) in cases {
            let a = actor(role, OWN, &[]);
            assert_eq!(a.read_owned_by(OWN), own, "{role} own");
            assert_eq!(a.read_owned_by(OTHER), other, "{role} other");
        }
    }

    #[test]
    fn writing_owned_records() {
        use Decision::*;
        let trade = Some(Module::Trade);
        let cases = [
            // role, modules owned, own org, other org
            (Role::Admin, vec![], Allow, Allow),
            (Role::Leader, vec![], Forbidden, Forbidden),
            (Role::Department, vec![Module::Trade], Allow, Allow),
            (Role::Department, vec![Module::Channels], Allow, Forbidden),
            (Role::Local, vec![], Allow, NotFound),
            (Role::Enterprise, vec![], Allow, NotFound),
        ];
        for (role, modules, own, other) in cases {
            let a = actor(role, OWN, &modules);
            assert_eq!(a.write_owned_by(trade, OWN), own, "{role} {modules:?} own");
            assert_eq!(
                a.write_owned_by(trade, OTHER),
                other,
                "{role} {modules:?} other"
            );
        }
    }

    #[test]
    fn the_registry_hides_other_enterprises_only() {
        use Decision::*;
        for role in Role::ALL {
            let a = actor(role, OWN, &[]);
            let other = if role == Role::Enterprise {
                NotFound
            } else {
                Allow
            };
            assert_eq!(a.read_org(OTHER), other, "{role}");
            let edit_other = match role {
                Role::Admin => Allow,
                Role::Enterprise => NotFound,
                _ => Forbidden,
            };
            assert_eq!(a.edit_org(OTHER), edit_other, "{role}");
            let edit_own = if role == Role::Leader {
                Forbidden
            } else {
                Allow
            };
            assert_eq!(a.edit_org(OWN), edit_own, "{role}");
        }
    }

    #[test]
    fn jobs_are_private_to_their_starter_unless_reading_all() {
        let local = actor(Role::Local, OWN, &[]);
        assert_eq!(local.read_started_by(local.user_id, OWN), Decision::Allow);
        assert_eq!(local.read_started_by(999, OTHER), Decision::NotFound);
        assert_eq!(local.cancel_started_by(999, OWN), Decision::Forbidden);
        let leader = actor(Role::Leader, OTHER, &[]);
        assert_eq!(leader.read_started_by(999, OWN), Decision::Allow);
        assert_eq!(leader.cancel_started_by(999, OWN), Decision::Forbidden);
        let admin = actor(Role::Admin, OTHER, &[]);
        assert_eq!(admin.cancel_started_by(999, OWN), Decision::Allow);
    }

    #[test]
    fn only_admins_administer_and_leaders_never_contribute() {
        for role in Role::ALL {
            let a = actor(role, OWN, &[]);
            assert_eq!(a.administer().is_allowed(), role == Role::Admin);
            assert_eq!(a.contribute().is_allowed(), role != Role::Leader);
            assert_eq!(
                a.read_audit().is_allowed(),
                matches!(role, Role::Admin | Role::Leader)
            );
        }
    }

    #[test]
    fn tasks_are_seen_by_their_organisations_the_supervisor_and_leaders() {
        let (lead, co, other) = (1, 2, 3);
        let supervisor = actor(Role::Department, other, &[Module::Directives]);
        let dept = actor(Role::Department, other, &[Module::Trade]);
        let lead_dept = actor(Role::Department, lead, &[]);
        let co_city = actor(Role::Local, co, &[]);
        let leader = actor(Role::Leader, other, &[]);
        let firm = actor(Role::Enterprise, lead, &[]);
        let cos = [co];
        assert_eq!(supervisor.read_task(lead, &cos), Decision::Allow);
        assert_eq!(leader.read_task(lead, &cos), Decision::Allow);
        assert_eq!(dept.read_task(lead, &cos), Decision::NotFound);
        assert_eq!(co_city.read_task(lead, &cos), Decision::Allow);
        assert_eq!(
            firm.read_task(lead, &cos),
            Decision::NotFound,
            "even its own org id"
        );
        assert_eq!(lead_dept.lead_task(lead, &cos), Decision::Allow);
        assert_eq!(co_city.lead_task(lead, &cos), Decision::Forbidden);
        assert_eq!(supervisor.lead_task(lead, &cos), Decision::Forbidden);
        assert_eq!(leader.lead_task(lead, &cos), Decision::Forbidden);
        assert_eq!(co_city.comment_task(lead, &cos), Decision::Allow);
        assert_eq!(supervisor.comment_task(lead, &cos), Decision::Allow);
        assert_eq!(leader.comment_task(lead, &cos), Decision::Forbidden);
        assert_eq!(supervisor.supervise_tasks(), Decision::Allow);
        assert_eq!(dept.supervise_tasks(), Decision::Forbidden);
        assert_eq!(firm.read_tasks(), Decision::Forbidden);
    }

    #[test]
    fn an_appeal_is_seen_by_its_enterprise_its_department_intake_and_leaders() {
        let (firm_org, handler_org, other) = (1, 2, 3);
        let firm = actor(Role::Enterprise, firm_org, &[]);
        let rival = actor(Role::Enterprise, other, &[]);
        let intake = actor(Role::Department, other, &[Module::Appeals]);
        let handler = actor(Role::Department, handler_org, &[]);
        let bystander = actor(Role::Department, other, &[Module::Trade]);
        let leader = actor(Role::Leader, other, &[]);
        let a = Some(handler_org);
        assert_eq!(firm.read_appeal(firm_org, a), Decision::Allow);
        assert_eq!(rival.read_appeal(firm_org, a), Decision::NotFound);
        assert_eq!(intake.read_appeal(firm_org, a), Decision::Allow);
        assert_eq!(handler.read_appeal(firm_org, a), Decision::Allow);
        assert_eq!(handler.read_appeal(firm_org, None), Decision::NotFound);
        assert_eq!(bystander.read_appeal(firm_org, a), Decision::NotFound);
        assert_eq!(leader.read_appeal(firm_org, a), Decision::Allow);
        assert_eq!(handler.answer_appeal(firm_org, a), Decision::Allow);
        assert_eq!(intake.answer_appeal(firm_org, a), Decision::Forbidden);
        assert_eq!(firm.own_appeal(firm_org, a), Decision::Allow);
        assert_eq!(handler.own_appeal(firm_org, a), Decision::Forbidden);
        assert_eq!(firm.file_appeal(), Decision::Allow);
        assert_eq!(intake.file_appeal(), Decision::Forbidden);
        assert_eq!(intake.intake_appeals(), Decision::Allow);
        assert_eq!(leader.intake_appeals(), Decision::Forbidden);
    }

    #[test]
    fn zone_assessments_are_read_in_government_only() {
        for role in Role::ALL {
            let want = if role == Role::Enterprise {
                Decision::Forbidden
            } else {
                Decision::Allow
            };
            assert_eq!(
                actor(role, OWN, &[]).read_zone_assessment(),
                want,
                "{role:?}"
            );
        }
    }

    #[test]
    fn zone_data_is_edited_by_its_zone_and_reviewed_by_the_platforms_owner() {
        use Decision::*;
        let (zone, city, other) = (1, 2, 3);
        let responsible = [zone, city];
        let cases = [
            // actor, read, edit, review
            (actor(Role::Local, zone, &[]), Allow, Allow, Forbidden),
            (actor(Role::Local, city, &[]), Allow, Allow, Forbidden),
            (
                actor(Role::Local, other, &[]),
                NotFound,
                NotFound,
                Forbidden,
            ),
            (
                actor(Role::Department, other, &[Module::Platforms]),
                Allow,
                Forbidden,
                Allow,
            ),
            (
                actor(Role::Department, other, &[Module::Trade]),
                Allow,
                Forbidden,
                Forbidden,
            ),
            (actor(Role::Leader, other, &[]), Allow, Forbidden, Forbidden),
            (actor(Role::Admin, other, &[]), Allow, Allow, Allow),
            (
                actor(Role::Enterprise, zone, &[]),
                Forbidden,
                Forbidden,
                Forbidden,
            ),
        ];
        for (a, read, edit, review) in cases {
            assert_eq!(a.read_zone_data(&responsible), read, "{a:?}");
            assert_eq!(a.edit_zone_data(&responsible), edit, "{a:?}");
            assert_eq!(a.review_zone_data(), review, "{a:?}");
            assert_eq!(a.list_zone_data().is_allowed(), a.role != Role::Enterprise);
        }
    }

    #[test]
    fn trade_statistics_are_for_government_and_imports_for_commerce() {
        use Decision::*;
        let cases = [
            // role, modules, aggregates, enterprises and SQL, import
            (Role::Admin, vec![], Allow, Allow, Allow),
            (Role::Leader, vec![], Allow, Allow, Forbidden),
            (Role::Department, vec![Module::Trade], Allow, Allow, Allow),
            (
                Role::Department,
                vec![Module::Appeals],
                Allow,
                Allow,
                Forbidden,
            ),
            (Role::Local, vec![], Allow, Forbidden, Forbidden),
            (Role::Enterprise, vec![], Forbidden, Forbidden, Forbidden),
        ];
        for (role, modules, read, detail, import) in cases {
            let a = actor(role, OWN, &modules);
            assert_eq!(a.read_trade(), read, "{role} {modules:?}");
            assert_eq!(a.read_trade_enterprises(), detail, "{role} {modules:?}");
            assert_eq!(a.query_trade_sql(), detail, "{role} {modules:?}");
            assert_eq!(a.import_trade(), import, "{role} {modules:?}");
        }
    }

    #[test]
    fn each_role_fits_its_kinds_of_organisation() {
        use OrgKind::*;
        let cases = [
            (Role::Admin, vec![Department]),
            (Role::Leader, vec![Department]),
            (Role::Department, vec![Department]),
            (Role::Local, vec![City, Zone]),
            (Role::Enterprise, vec![Enterprise]),
        ];
        for (role, fits) in cases {
            for kind in OrgKind::ALL {
                assert_eq!(role.fits(*kind), fits.contains(kind), "{role} in a {kind}");
            }
        }
    }

    #[test]
    fn lists_are_scoped_as_their_records_are_read() {
        use AppealScope::*;
        let cases = [
            // actor, orgs, uploads, tasks, appeals
            (actor(Role::Admin, OWN, &[]), None, None, None, All),
            (actor(Role::Leader, OWN, &[]), None, None, None, All),
            (
                actor(Role::Department, OWN, &[Module::Directives]),
                None,
                None,
                None,
                AssignedTo(OWN),
            ),
            (
                actor(Role::Department, OWN, &[Module::Appeals]),
                None,
                None,
                Some(OWN),
                All,
            ),
            (
                actor(Role::Local, OWN, &[]),
                None,
                Some(OWN),
                Some(OWN),
                AssignedTo(OWN),
            ),
            (
                actor(Role::Enterprise, OWN, &[]),
                Some(OWN),
                Some(OWN),
                Some(OWN),
                FiledBy(OWN),
            ),
        ];
        for (a, orgs, uploads, tasks, appeals) in cases {
            assert_eq!(a.org_scope(), orgs, "{a:?}");
            assert_eq!(a.upload_scope(), uploads, "{a:?}");
            assert_eq!(a.task_scope(), tasks, "{a:?}");
            assert_eq!(a.appeal_scope(), appeals, "{a:?}");
            // A scope never shows more than the single-record rule allows.
            if let Some(only) = a.org_scope() {
                assert_eq!(a.read_org(only + 1), Decision::NotFound);
            }
            if let Some(only) = a.upload_scope() {
                assert_eq!(a.read_owned_by(only + 1), Decision::NotFound);
            }
        }
    }

    #[test]
    fn supervising_a_task_needs_seeing_it_first() {
        let (lead, co, other) = (1, 2, 3);
        let cos = [co];
        let supervisor = actor(Role::Department, other, &[Module::Directives]);
        assert_eq!(supervisor.supervise_task(lead, &cos), Decision::Allow);
        let admin = actor(Role::Admin, other, &[]);
        assert_eq!(admin.supervise_task(lead, &cos), Decision::Allow);
        let lead_dept = actor(Role::Department, lead, &[]);
        assert_eq!(lead_dept.supervise_task(lead, &cos), Decision::Forbidden);
        let leader = actor(Role::Leader, other, &[]);
        assert_eq!(leader.supervise_task(lead, &cos), Decision::Forbidden);
        let stranger = actor(Role::Local, other, &[]);
        assert_eq!(stranger.supervise_task(lead, &cos), Decision::NotFound);
    }

    #[test]
    fn appeals_are_taken_in_by_intake_and_commented_on_by_all_who_see_them_but_leaders() {
        use Decision::*;
        let (firm_org, handler_org, other) = (1, 2, 3);
        let a = Some(handler_org);
        let cases = [
            // actor, intake, comment
            (actor(Role::Enterprise, firm_org, &[]), Forbidden, Allow),
            (actor(Role::Enterprise, other, &[]), NotFound, NotFound),
            (
                actor(Role::Department, other, &[Module::Appeals]),
                Allow,
                Allow,
            ),
            (actor(Role::Department, handler_org, &[]), Forbidden, Allow),
            (
                actor(Role::Department, other, &[Module::Trade]),
                NotFound,
                NotFound,
            ),
            (actor(Role::Local, other, &[]), NotFound, NotFound),
            (actor(Role::Leader, other, &[]), Forbidden, Forbidden),
            (actor(Role::Admin, other, &[]), Allow, Allow),
        ];
        for (who, intake, comment) in cases {
            assert_eq!(who.intake_appeal(firm_org, a), intake, "{who:?}");
            assert_eq!(who.comment_appeal(firm_org, a), comment, "{who:?}");
        }
    }

    #[test]
    fn a_zone_is_reported_for_by_its_administration_and_its_city() {
        let (zone, city) = ("hc-bezc", "222404");
        assert!(reports_for_zone(
            zone,
            city,
            zone,
            OrgKind::Zone,
            Some(city)
        ));
        assert!(reports_for_zone(
            zone,
            city,
            "hc-gov",
            OrgKind::City,
            Some(city)
        ));
        assert!(!reports_for_zone(
            zone,
            city,
            "cc-gov",
            OrgKind::City,
            Some("220100")
        ));
        assert!(!reports_for_zone(zone, city, "cc-gov", OrgKind::City, None));
        assert!(
            !reports_for_zone(zone, city, "hc-changda", OrgKind::Enterprise, Some(city)),
            "an enterprise in the same city does not report"
        );
        assert!(
            !reports_for_zone(zone, city, "hc-cbz", OrgKind::Zone, Some(city)),
            "nor does another zone of the city"
        );
    }

    #[test]
    fn freight_studies_are_for_government() {
        for role in Role::ALL {
            let want = if role == Role::Enterprise {
                Decision::Forbidden
            } else {
                Decision::Allow
            };
            assert_eq!(
                actor(role, OWN, &[]).read_freight_studies(),
                want,
                "{role:?}"
            );
        }
    }
}
