//! The canonical model: the one place that names entrascope's tables and columns.
//!
//! Every reader maps its export shape into the row structs defined here ([`SignIn`],
//! [`Audit`], [`RiskDetection`], [`RiskyUser`], [`GraphActivity`], [`Provisioning`],
//! [`RiskyServicePrincipal`]); every later stage (dataset, detection,
//! reports) reads the columns by the names listed here. A column is declared once, with its
//! type and a one-line meaning, by the [`canonical_table!`] macro, which generates the row
//! struct, a columnar builder that turns rows into a polars `DataFrame`, and the column
//! documentation that `entrascope schema` prints. Nothing else in the crate should spell a
//! column name that is not in this file.
//!
//! Times are UTC microseconds since the epoch (`Datetime(µs, UTC)`); multi-valued fields are
//! `List(String)`; audit targets are `List(Struct)` with their modified properties decoded.

use std::borrow::Cow;

use polars::prelude::*;

/// What one canonical column is: its name, polars type (as text) and meaning.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDoc {
    pub name: &'static str,
    pub dtype: &'static str,
    pub doc: &'static str,
}

/// A canonical table: its name and its columns, in dataset order.
#[derive(Debug, Clone, Copy)]
pub struct TableDoc {
    pub name: &'static str,
    pub doc: &'static str,
    pub columns: &'static [ColumnDoc],
}

/// The canonical tables, in the order they are written and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    SignIns,
    Audits,
    RiskDetections,
    RiskyUsers,
    GraphActivity,
    Provisioning,
    RiskyServicePrincipals,
}

impl Table {
    pub const COUNT: usize = 7;
    pub const ALL: [Table; Table::COUNT] = [
        Table::SignIns,
        Table::Audits,
        Table::RiskDetections,
        Table::RiskyUsers,
        Table::GraphActivity,
        Table::Provisioning,
        Table::RiskyServicePrincipals,
    ];

    /// The four tables every Entra export case has; the others (Graph activity, provisioning,
    /// workload-identity risk) come only from tenants that export those categories, so their
    /// absence is not worth a warning.
    pub fn is_core(self) -> bool {
        matches!(self, Table::SignIns | Table::Audits | Table::RiskDetections | Table::RiskyUsers)
    }

    /// The table's name in the dataset, in SQL and in the manifest.
    pub fn name(self) -> &'static str {
        self.doc().name
    }

    pub fn doc(self) -> &'static TableDoc {
        match self {
            Table::SignIns => &SIGNINS,
            Table::Audits => &AUDITS,
            Table::RiskDetections => &RISK_DETECTIONS,
            Table::RiskyUsers => &RISKY_USERS,
            Table::GraphActivity => &GRAPH_ACTIVITY,
            Table::Provisioning => &PROVISIONING,
            Table::RiskyServicePrincipals => &RISKY_SERVICE_PRINCIPALS,
        }
    }

    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The columns that identify a record for deduplication. Sign-ins include the category:
    /// real ids are unique per category, and anonymised exports reuse one id across them.
    pub fn dedupe_key(self) -> &'static [&'static str] {
        match self {
            Table::SignIns => &["category", col::ID],
            _ => &[col::ID],
        }
    }

    /// The polars schema every frame of this table has.
    pub fn schema(self) -> Schema {
        match self {
            Table::SignIns => SignInColumns::schema(),
            Table::Audits => AuditColumns::schema(),
            Table::RiskDetections => RiskDetectionColumns::schema(),
            Table::RiskyUsers => RiskyUserColumns::schema(),
            Table::GraphActivity => GraphActivityColumns::schema(),
            Table::Provisioning => ProvisioningColumns::schema(),
            Table::RiskyServicePrincipals => RiskyServicePrincipalColumns::schema(),
        }
    }
}

/// Column names shared by every table (provenance, time, id), so generic code such as the
/// dataset writer and deduplication need not spell them.
pub mod col {
    pub const TIME: &str = "time";
    pub const ID: &str = "id";
    pub const SOURCE_FILE: &str = "source_file";
    pub const SOURCE_FORMAT: &str = "source_format";
    pub const SOURCE_RECORD: &str = "source_record";
}

// ---------------------------------------------------------------------------------------------
// Column builders: one per cell kind. A row struct field has the builder's `Item` type.

/// Accumulates one column of cells and finishes into a polars `Series`.
pub trait ColumnBuilder {
    /// The cell type a row carries for this column.
    type Item<'a>: Default + Clone + std::fmt::Debug;
    fn with_capacity(name: &str, capacity: usize) -> Self;
    fn push(&mut self, item: &Self::Item<'_>);
    fn finish(self) -> Series;
    fn dtype() -> DataType;
    /// The type as printed by `entrascope schema`.
    const DTYPE_NAME: &'static str;
}

/// A text cell; `None` is null.
pub type Text<'a> = Option<Cow<'a, str>>;

pub struct StrCol(StringChunkedBuilder);
impl ColumnBuilder for StrCol {
    type Item<'a> = Text<'a>;
    const DTYPE_NAME: &'static str = "str";
    fn with_capacity(name: &str, capacity: usize) -> Self {
        StrCol(StringChunkedBuilder::new(name.into(), capacity))
    }
    fn push(&mut self, item: &Text<'_>) {
        match item {
            Some(s) => self.0.append_value(s.as_ref()),
            None => self.0.append_null(),
        }
    }
    fn finish(self) -> Series {
        self.0.finish().into_series()
    }
    fn dtype() -> DataType {
        DataType::String
    }
}

/// Primitive cells are collected into a `Vec<Option<T>>`; cheap and simple.
macro_rules! primitive_col {
    ($name:ident, $rust:ty, $chunked:ty, $dtype:expr, $dname:literal) => {
        pub struct $name(String, Vec<Option<$rust>>);
        impl ColumnBuilder for $name {
            type Item<'a> = Option<$rust>;
            const DTYPE_NAME: &'static str = $dname;
            fn with_capacity(name: &str, capacity: usize) -> Self {
                $name(name.to_string(), Vec::with_capacity(capacity))
            }
            fn push(&mut self, item: &Option<$rust>) {
                self.1.push(*item);
            }
            fn finish(self) -> Series {
                <$chunked>::from_iter_options(self.0.as_str().into(), self.1.into_iter()).into_series()
            }
            fn dtype() -> DataType {
                $dtype
            }
        }
    };
}
primitive_col!(IntCol, i64, Int64Chunked, DataType::Int64, "i64");
primitive_col!(FloatCol, f64, Float64Chunked, DataType::Float64, "f64");
primitive_col!(BoolCol, bool, BooleanChunked, DataType::Boolean, "bool");

/// A UTC timestamp in microseconds.
pub struct TimeCol(IntCol);
impl ColumnBuilder for TimeCol {
    type Item<'a> = Option<i64>;
    const DTYPE_NAME: &'static str = "datetime[µs, UTC]";
    fn with_capacity(name: &str, capacity: usize) -> Self {
        TimeCol(IntCol::with_capacity(name, capacity))
    }
    fn push(&mut self, item: &Option<i64>) {
        self.0.push(item)
    }
    fn finish(self) -> Series {
        self.0.finish().cast(&Self::dtype()).expect("i64 casts to datetime")
    }
    fn dtype() -> DataType {
        DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    }
}

/// A list of strings; an empty list is stored as an empty list, not null.
pub struct ListCol(ListStringChunkedBuilder);
impl ColumnBuilder for ListCol {
    type Item<'a> = Vec<Cow<'a, str>>;
    const DTYPE_NAME: &'static str = "list[str]";
    fn with_capacity(name: &str, capacity: usize) -> Self {
        ListCol(ListStringChunkedBuilder::new(name.into(), capacity, capacity * 2))
    }
    fn push(&mut self, item: &Vec<Cow<'_, str>>) {
        self.0.append_values_iter(item.iter().map(|s| s.as_ref()));
    }
    fn finish(mut self) -> Series {
        self.0.finish().into_series()
    }
    fn dtype() -> DataType {
        DataType::List(Box::new(DataType::String))
    }
}

/// One property an audit event changed, with the JSON-in-JSON values decoded to text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModifiedProperty<'a> {
    pub name: Text<'a>,
    pub old_value: Text<'a>,
    pub new_value: Text<'a>,
}

/// One target of an audit event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target<'a> {
    pub id: Text<'a>,
    pub display_name: Text<'a>,
    pub kind: Text<'a>,
    pub upn: Text<'a>,
    pub modified_properties: Vec<ModifiedProperty<'a>>,
}

/// A key/value pair (audit `additionalDetails`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyValue<'a> {
    pub key: Text<'a>,
    pub value: Text<'a>,
}

/// Builds a `List(Struct)` column from flattened children plus offsets, so nested audit
/// fields cost one pass and no per-row `Series`.
fn list_of(name: &str, offsets: Vec<i64>, values: Series) -> Series {
    use polars_arrow::array::ListArray;
    use polars_arrow::offset::OffsetsBuffer;
    let values = values.rechunk();
    let child = values.chunks()[0].clone();
    let dtype = ListArray::<i64>::default_datatype(child.dtype().clone());
    // SAFETY-free: offsets are built monotonically by the builders below.
    let offsets = OffsetsBuffer::try_from(offsets).expect("monotonic offsets");
    let arr = ListArray::<i64>::new(dtype, offsets, child, None);
    Series::from_arrow(name.into(), Box::new(arr)).expect("list array converts")
}

fn struct_of(name: &str, len: usize, fields: Vec<Series>) -> Series {
    StructChunked::from_series(name.into(), len, fields.iter())
        .expect("struct fields have equal length")
        .into_series()
}

/// `List(Struct{key, value})`.
pub struct KeyValueCol {
    name: String,
    offsets: Vec<i64>,
    key: StrCol,
    value: StrCol,
    n: usize,
}
impl ColumnBuilder for KeyValueCol {
    type Item<'a> = Vec<KeyValue<'a>>;
    const DTYPE_NAME: &'static str = "list[struct{key: str, value: str}]";
    fn with_capacity(name: &str, capacity: usize) -> Self {
        KeyValueCol {
            name: name.to_string(),
            offsets: vec![0],
            key: StrCol::with_capacity("key", capacity),
            value: StrCol::with_capacity("value", capacity),
            n: 0,
        }
    }
    fn push(&mut self, item: &Vec<KeyValue<'_>>) {
        for kv in item {
            self.key.push(&kv.key);
            self.value.push(&kv.value);
        }
        self.n += item.len();
        self.offsets.push(self.n as i64);
    }
    fn finish(self) -> Series {
        let values = struct_of("item", self.n, vec![self.key.finish(), self.value.finish()]);
        list_of(&self.name, self.offsets, values)
    }
    fn dtype() -> DataType {
        DataType::List(Box::new(DataType::Struct(vec![
            Field::new("key".into(), DataType::String),
            Field::new("value".into(), DataType::String),
        ])))
    }
}

/// `List(Struct{id, display_name, type, upn, modified_properties: List(Struct{name,
/// old_value, new_value})})`.
pub struct TargetsCol {
    name: String,
    offsets: Vec<i64>,
    id: StrCol,
    display_name: StrCol,
    kind: StrCol,
    upn: StrCol,
    mp_offsets: Vec<i64>,
    mp_name: StrCol,
    mp_old: StrCol,
    mp_new: StrCol,
    n: usize,
    n_mp: usize,
}
impl TargetsCol {
    fn modified_dtype() -> DataType {
        DataType::Struct(vec![
            Field::new("name".into(), DataType::String),
            Field::new("old_value".into(), DataType::String),
            Field::new("new_value".into(), DataType::String),
        ])
    }
}
impl ColumnBuilder for TargetsCol {
    type Item<'a> = Vec<Target<'a>>;
    const DTYPE_NAME: &'static str = "list[struct{id, display_name, type, upn, modified_properties: list[struct{name, old_value, new_value}]}]";
    fn with_capacity(name: &str, capacity: usize) -> Self {
        TargetsCol {
            name: name.to_string(),
            offsets: vec![0],
            id: StrCol::with_capacity("id", capacity),
            display_name: StrCol::with_capacity("display_name", capacity),
            kind: StrCol::with_capacity("type", capacity),
            upn: StrCol::with_capacity("upn", capacity),
            mp_offsets: vec![0],
            mp_name: StrCol::with_capacity("name", capacity),
            mp_old: StrCol::with_capacity("old_value", capacity),
            mp_new: StrCol::with_capacity("new_value", capacity),
            n: 0,
            n_mp: 0,
        }
    }
    fn push(&mut self, item: &Vec<Target<'_>>) {
        for t in item {
            self.id.push(&t.id);
            self.display_name.push(&t.display_name);
            self.kind.push(&t.kind);
            self.upn.push(&t.upn);
            for mp in &t.modified_properties {
                self.mp_name.push(&mp.name);
                self.mp_old.push(&mp.old_value);
                self.mp_new.push(&mp.new_value);
            }
            self.n_mp += t.modified_properties.len();
            self.mp_offsets.push(self.n_mp as i64);
        }
        self.n += item.len();
        self.offsets.push(self.n as i64);
    }
    fn finish(self) -> Series {
        let mps = struct_of(
            "item",
            self.n_mp,
            vec![self.mp_name.finish(), self.mp_old.finish(), self.mp_new.finish()],
        );
        let mps = list_of("modified_properties", self.mp_offsets, mps);
        let targets = struct_of(
            "item",
            self.n,
            vec![self.id.finish(), self.display_name.finish(), self.kind.finish(), self.upn.finish(), mps],
        );
        list_of(&self.name, self.offsets, targets)
    }
    fn dtype() -> DataType {
        DataType::List(Box::new(DataType::Struct(vec![
            Field::new("id".into(), DataType::String),
            Field::new("display_name".into(), DataType::String),
            Field::new("type".into(), DataType::String),
            Field::new("upn".into(), DataType::String),
            Field::new("modified_properties".into(), DataType::List(Box::new(Self::modified_dtype()))),
        ])))
    }
}

// ---------------------------------------------------------------------------------------------

/// Declares a canonical table: the row struct, its columnar builder and its documentation.
macro_rules! canonical_table {
    (
        $(#[$meta:meta])*
        $row:ident, $builder:ident, $docs:ident, $table:literal, $tdoc:literal {
            $( $field:ident : $kind:ty => $name:literal, $doc:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default)]
        pub struct $row<'a> {
            $( pub $field: <$kind as ColumnBuilder>::Item<'a>, )+
        }

        /// Columnar builder for the table; `push` rows, then `finish` into a `DataFrame`.
        pub struct $builder {
            len: usize,
            $( $field: $kind, )+
        }

        impl $builder {
            pub fn with_capacity(capacity: usize) -> Self {
                $builder { len: 0, $( $field: <$kind>::with_capacity($name, capacity), )+ }
            }
            pub fn len(&self) -> usize {
                self.len
            }
            pub fn is_empty(&self) -> bool {
                self.len == 0
            }
            pub fn push(&mut self, row: &$row<'_>) {
                self.len += 1;
                $( self.$field.push(&row.$field); )+
            }
            pub fn finish(self) -> DataFrame {
                let columns: Vec<Column> = vec![ $( self.$field.finish().into_column(), )+ ];
                DataFrame::new(self.len, columns).expect("canonical columns have equal length")
            }
            pub fn schema() -> Schema {
                Schema::from_iter([ $( Field::new($name.into(), <$kind>::dtype()), )+ ])
            }
        }

        pub static $docs: TableDoc = TableDoc {
            name: $table,
            doc: $tdoc,
            columns: &[ $( ColumnDoc { name: $name, dtype: <$kind>::DTYPE_NAME, doc: $doc }, )+ ],
        };
    };
}

canonical_table! {
    /// One sign-in of any of the four categories.
    SignIn, SignInColumns, SIGNINS, "signins",
    "every sign-in: interactive, non-interactive, service principal, managed identity and AD FS" {
        time: TimeCol => "time", "when the sign-in happened (createdDateTime), UTC";
        id: StrCol => "id", "sign-in request id (Graph id, LA Id, portal Request ID)";
        category: StrCol => "category", "interactive | non_interactive | service_principal | managed_identity | adfs (AD FS Connect Health)";
        correlation_id: StrCol => "correlation_id", "correlation id shared by the steps of one flow";
        session_id: StrCol => "session_id", "session id (newer exports only)";
        unique_token_id: StrCol => "unique_token_id", "uniqueTokenIdentifier of the issued token";
        original_request_id: StrCol => "original_request_id", "id of the first request of the flow";
        user_id: StrCol => "user_id", "user object id";
        user_principal_name: StrCol => "user_principal_name", "user UPN, lower-cased";
        user_display_name: StrCol => "user_display_name", "user display name";
        user_type: StrCol => "user_type", "member | guest";
        app_id: StrCol => "app_id", "client application id";
        app_display_name: StrCol => "app_display_name", "client application name";
        resource_id: StrCol => "resource_id", "resource (audience) application id";
        resource_display_name: StrCol => "resource_display_name", "resource name";
        service_principal_id: StrCol => "service_principal_id", "service principal object id (workload sign-ins)";
        service_principal_name: StrCol => "service_principal_name", "service principal or managed identity name";
        credential_key_id: StrCol => "credential_key_id", "key id of the SP credential used";
        credential_thumbprint: StrCol => "credential_thumbprint", "thumbprint of the SP certificate used";
        ip_address: StrCol => "ip_address", "client IP address";
        asn: IntCol => "asn", "autonomous system number of the client IP";
        country: StrCol => "country", "two-letter country or region";
        state: StrCol => "state", "state or province";
        city: StrCol => "city", "city";
        latitude: FloatCol => "latitude", "latitude of the IP geolocation";
        longitude: FloatCol => "longitude", "longitude of the IP geolocation";
        client_app_used: StrCol => "client_app_used", "client app (Browser, IMAP4, Exchange ActiveSync …); legacy auth shows here";
        user_agent: StrCol => "user_agent", "user agent string";
        device_id: StrCol => "device_id", "Entra device id";
        device_name: StrCol => "device_name", "device display name";
        device_os: StrCol => "device_os", "operating system";
        device_browser: StrCol => "device_browser", "browser";
        device_trust_type: StrCol => "device_trust_type", "Azure AD joined | Hybrid Azure AD joined | Azure AD registered";
        device_is_compliant: BoolCol => "device_is_compliant", "device marked compliant";
        device_is_managed: BoolCol => "device_is_managed", "device managed";
        error_code: IntCol => "error_code", "result code; 0 is success (see docs/formats.md §6)";
        failure_reason: StrCol => "failure_reason", "failure text for the error code";
        status_detail: StrCol => "status_detail", "status additionalDetails";
        result: StrCol => "result", "success | failure | interrupted";
        authentication_requirement: StrCol => "authentication_requirement", "singleFactorAuthentication | multiFactorAuthentication";
        auth_methods: ListCol => "auth_methods", "authentication methods of the steps (Password, Mobile app notification …)";
        auth_step_details: ListCol => "auth_step_details", "result detail of each authentication step";
        mfa_method: StrCol => "mfa_method", "MFA method (mfaDetail.authMethod or the succeeded non-password step)";
        mfa_result_detail: StrCol => "mfa_result_detail", "MFA result detail";
        authentication_protocol: StrCol => "authentication_protocol", "none | oAuth2 | ropc | deviceCode | saml20 | wsFederation …";
        original_transfer_method: StrCol => "original_transfer_method", "none | deviceCodeFlow | authenticationTransfer";
        incoming_token_type: StrCol => "incoming_token_type", "none | primaryRefreshToken | saml11 | saml20 …";
        client_credential_type: StrCol => "client_credential_type", "none | clientSecret | clientAssertion | certificate | federatedIdentityCredential | managedIdentity";
        conditional_access_status: StrCol => "conditional_access_status", "success | failure | notApplied";
        ca_policies: ListCol => "ca_policies", "applied Conditional Access policies as `name=result`";
        risk_level_during_signin: StrCol => "risk_level_during_signin", "none | low | medium | high | hidden";
        risk_level_aggregated: StrCol => "risk_level_aggregated", "aggregated risk level";
        risk_state: StrCol => "risk_state", "risk state of the sign-in";
        risk_detail: StrCol => "risk_detail", "how the risk was resolved (adminDismissedAllRiskForUser, userPassedMFADrivenByRiskBasedPolicy, aiConfirmedSigninSafe …)";
        risk_event_types: ListCol => "risk_event_types", "risk event types (riskEventTypes_v2)";
        token_issuer_type: StrCol => "token_issuer_type", "AzureAD | ADFederationServices …";
        token_issuer_name: StrCol => "token_issuer_name", "token issuer name (federation server)";
        cross_tenant_access_type: StrCol => "cross_tenant_access_type", "none | b2bCollaboration | b2bDirectConnect | passthrough …";
        home_tenant_id: StrCol => "home_tenant_id", "user's home tenant";
        resource_tenant_id: StrCol => "resource_tenant_id", "resource's tenant";
        tenant_id: StrCol => "tenant_id", "Entra tenant the log came from (LA AADTenantId, not the workspace)";
        managed_identity_type: StrCol => "managed_identity_type", "systemAssigned | userAssigned (managed identity sign-ins)";
        app_owner_tenant_id: StrCol => "app_owner_tenant_id", "tenant that owns the client app (f8cdef31-… is Microsoft's first-party tenant)";
        ca_grant_controls: ListCol => "ca_grant_controls", "enforced grant controls of each applied CA policy as `name=result:control,control` (e.g. `Require MFA=success:mfa`)";
        authentication_processing_details: KeyValueCol => "authentication_processing_details", "authenticationProcessingDetails key/value pairs (Is CAE Token, Legacy TLS, Root Key Type, AD FS server …)";
        token_protection_status: StrCol => "token_protection_status", "token protection (signInTokenProtectionStatus or tokenProtectionStatusDetails.signInSessionStatus): bound | unbound | none";
        source_file: StrCol => "source_file", "input file (archive!member for archive members)";
        source_format: StrCol => "source_format", "export shape the record was read from";
        source_record: IntCol => "source_record", "line (NDJSON, CSV) or element index (JSON arrays) of the record in source_file";
    }
}

canonical_table! {
    /// One directory audit event.
    Audit, AuditColumns, AUDITS, "audits",
    "directory audit events (AuditLogs / directoryAudits)" {
        time: TimeCol => "time", "when the activity happened (activityDateTime), UTC";
        id: StrCol => "id", "audit record id (Directory_…)";
        correlation_id: StrCol => "correlation_id", "correlation id";
        category: StrCol => "category", "ApplicationManagement, UserManagement, RoleManagement, Policy …";
        activity: StrCol => "activity", "activity display name, trimmed (e.g. Add member to role)";
        operation_type: StrCol => "operation_type", "Add | Update | Delete | Assign | Unassign | Other";
        result: StrCol => "result", "success | failure | timeout";
        result_reason: StrCol => "result_reason", "reason for the result";
        logged_by_service: StrCol => "logged_by_service", "Core Directory, PIM, Conditional Access …";
        actor_type: StrCol => "actor_type", "user | app";
        actor_upn: StrCol => "actor_upn", "initiating user's UPN, lower-cased";
        actor_user_id: StrCol => "actor_user_id", "initiating user's object id";
        actor_display_name: StrCol => "actor_display_name", "initiating user's or app's display name";
        actor_app_id: StrCol => "actor_app_id", "initiating app id";
        actor_app_name: StrCol => "actor_app_name", "initiating app display name";
        actor_sp_id: StrCol => "actor_sp_id", "initiating service principal id";
        ip_address: StrCol => "ip_address", "initiator IP address";
        user_agent: StrCol => "user_agent", "user agent (userAgent or the User-Agent additional detail)";
        targets: TargetsCol => "targets", "all targets with decoded modified properties";
        target_id: StrCol => "target_id", "first target's id";
        target_name: StrCol => "target_name", "first target's display name";
        target_upn: StrCol => "target_upn", "first target's UPN, lower-cased";
        target_type: StrCol => "target_type", "first target's type (User, Application, ServicePrincipal, Role, Policy …)";
        changes: StrCol => "changes", "every modified property as `target/name: old -> new`, one per line (for LIKE)";
        additional_details: KeyValueCol => "additional_details", "additionalDetails key/value pairs";
        tenant_id: StrCol => "tenant_id", "Entra tenant";
        source_file: StrCol => "source_file", "input file (archive!member for archive members)";
        source_format: StrCol => "source_format", "export shape the record was read from";
        source_record: IntCol => "source_record", "line (NDJSON, CSV) or element index (JSON arrays) of the record in source_file";
    }
}

canonical_table! {
    /// One Identity Protection risk detection.
    RiskDetection, RiskDetectionColumns, RISK_DETECTIONS, "risk_detections",
    "Identity Protection risk detections of users (UserRiskEvents / riskDetections) and of service principals (ServicePrincipalRiskEvents / servicePrincipalRiskDetections; activity = servicePrincipal)" {
        time: TimeCol => "time", "when the risky activity happened (activityDateTime), UTC";
        detected_time: TimeCol => "detected_time", "when Identity Protection detected it, UTC";
        id: StrCol => "id", "detection id";
        request_id: StrCol => "request_id", "sign-in id the detection refers to";
        correlation_id: StrCol => "correlation_id", "sign-in correlation id";
        risk_event_type: StrCol => "risk_event_type", "unlikelyTravel, passwordSpray, anomalousToken …";
        risk_level: StrCol => "risk_level", "low | medium | high | hidden | none";
        risk_state: StrCol => "risk_state", "atRisk | confirmedCompromised | remediated | dismissed …";
        risk_detail: StrCol => "risk_detail", "risk detail";
        source: StrCol => "source", "detection source (IdentityProtection, MicrosoftCloudAppSecurity …)";
        detection_timing: StrCol => "detection_timing", "realtime | nearRealtime | offline";
        activity: StrCol => "activity", "signin | user | servicePrincipal";
        ip_address: StrCol => "ip_address", "IP of the risky activity";
        country: StrCol => "country", "country of the risky activity";
        city: StrCol => "city", "city of the risky activity";
        user_id: StrCol => "user_id", "user object id";
        user_principal_name: StrCol => "user_principal_name", "user UPN, lower-cased";
        user_display_name: StrCol => "user_display_name", "user display name";
        service_principal_id: StrCol => "service_principal_id", "service principal object id (workload identity risk: ServicePrincipalRiskEvents)";
        service_principal_name: StrCol => "service_principal_name", "service principal display name (workload identity risk)";
        app_id: StrCol => "app_id", "application id of the risky service principal (workload identity risk)";
        token_issuer_type: StrCol => "token_issuer_type", "token issuer type";
        additional_info: StrCol => "additional_info", "additionalInfo as compact JSON text";
        tenant_id: StrCol => "tenant_id", "Entra tenant";
        source_file: StrCol => "source_file", "input file (archive!member for archive members)";
        source_format: StrCol => "source_format", "export shape the record was read from";
        source_record: IntCol => "source_record", "line (NDJSON, CSV) or element index (JSON arrays) of the record in source_file";
    }
}

canonical_table! {
    /// One risky-user state record.
    RiskyUser, RiskyUserColumns, RISKY_USERS, "risky_users",
    "Identity Protection risky users (RiskyUsers / riskyUsers)" {
        time: TimeCol => "time", "riskLastUpdatedDateTime, UTC";
        id: StrCol => "id", "record id: the user id plus the update time, so history items stay distinct";
        user_id: StrCol => "user_id", "user object id";
        user_principal_name: StrCol => "user_principal_name", "user UPN, lower-cased";
        user_display_name: StrCol => "user_display_name", "user display name";
        risk_level: StrCol => "risk_level", "low | medium | high | hidden | none";
        risk_state: StrCol => "risk_state", "atRisk | confirmedCompromised | remediated | dismissed | confirmedSafe | none";
        risk_detail: StrCol => "risk_detail", "risk detail";
        is_deleted: BoolCol => "is_deleted", "the user is deleted";
        is_processing: BoolCol => "is_processing", "risk state is being processed";
        tenant_id: StrCol => "tenant_id", "Entra tenant";
        source_file: StrCol => "source_file", "input file (archive!member for archive members)";
        source_format: StrCol => "source_format", "export shape the record was read from";
        source_record: IntCol => "source_record", "line (NDJSON, CSV) or element index (JSON arrays) of the record in source_file";
    }
}

canonical_table! {
    /// One Microsoft Graph API request (MicrosoftGraphActivityLogs).
    GraphActivity, GraphActivityColumns, GRAPH_ACTIVITY, "graph_activity",
    "Microsoft Graph API requests (MicrosoftGraphActivityLogs): who read or wrote what through Graph, linked to the sign-in that issued the token" {
        time: TimeCol => "time", "when the request was made (timeGenerated), UTC";
        id: StrCol => "id", "request id (requestId; operationId when absent)";
        request_method: StrCol => "request_method", "GET | POST | PATCH | PUT | DELETE";
        request_uri: StrCol => "request_uri", "full request URI as logged";
        resource_path: StrCol => "resource_path", "the URI's path without host, version and query, ids replaced by {id} (/users/{id}/messages)";
        resource: StrCol => "resource", "what the request touched: mailbox, mail_rules, files, users, groups, applications, service_principals, roles, directory, policies, devices, sites, teams, chats, audit_logs, security, me, other";
        api_version: StrCol => "api_version", "v1.0 | beta";
        response_status: IntCol => "response_status", "HTTP status code of the response";
        response_size_bytes: IntCol => "response_size_bytes", "bytes returned";
        duration_ms: IntCol => "duration_ms", "server-side duration";
        app_id: StrCol => "app_id", "client application id of the token";
        service_principal_id: StrCol => "service_principal_id", "service principal object id (app-only tokens)";
        user_id: StrCol => "user_id", "user object id (delegated tokens)";
        ip_address: StrCol => "ip_address", "client IP address";
        user_agent: StrCol => "user_agent", "user agent string";
        sign_in_activity_id: StrCol => "sign_in_activity_id", "signInActivityId: the uniqueTokenIdentifier of the sign-in that issued the token (joins signins.unique_token_id)";
        session_id: StrCol => "session_id", "session id of the token (sessionId / c_sid)";
        device_id: StrCol => "device_id", "device id of the token";
        token_issued_at: TimeCol => "token_issued_at", "when the token was issued, UTC";
        scopes: StrCol => "scopes", "delegated permissions of the token, space-separated";
        roles: StrCol => "roles", "application permissions of the token, space-separated";
        wids: StrCol => "wids", "directory role template ids of the caller, space-separated";
        client_auth_method: StrCol => "client_auth_method", "0 public client | 1 client secret | 2 certificate";
        client_request_id: StrCol => "client_request_id", "client request id";
        region: StrCol => "region", "Azure region that served the request (not the caller's location)";
        tenant_id: StrCol => "tenant_id", "Entra tenant";
        source_file: StrCol => "source_file", "input file (archive!member for archive members)";
        source_format: StrCol => "source_format", "export shape the record was read from";
        source_record: IntCol => "source_record", "line (NDJSON, CSV) or element index (JSON arrays) of the record in source_file";
    }
}

canonical_table! {
    /// One provisioning event (app provisioning, HR inbound, cross-tenant sync).
    Provisioning, ProvisioningColumns, PROVISIONING, "provisioning",
    "provisioning events (ProvisioningLogs / AADProvisioningLogs / auditLogs/provisioning): accounts created, updated, disabled or deleted in connected systems" {
        time: TimeCol => "time", "when the change happened (activityDateTime), UTC";
        id: StrCol => "id", "provisioning event id";
        job_id: StrCol => "job_id", "provisioning job id (names the connector, e.g. DropboxSCIMOutDelta…)";
        cycle_id: StrCol => "cycle_id", "provisioning cycle id";
        change_id: StrCol => "change_id", "change id";
        action: StrCol => "action", "create | update | delete | disable | stagedDelete | other";
        status: StrCol => "status", "success | failure | skipped | warning";
        error_code: StrCol => "error_code", "provisioning error code (errorInformation.errorCode)";
        error_reason: StrCol => "error_reason", "provisioning error text";
        service_principal_id: StrCol => "service_principal_id", "service principal of the provisioning app";
        service_principal_name: StrCol => "service_principal_name", "its display name";
        source_system: StrCol => "source_system", "system the change came from (Azure Active Directory, Workday …)";
        target_system: StrCol => "target_system", "system the change was written to";
        source_identity_id: StrCol => "source_identity_id", "id of the identity in the source system";
        source_identity_name: StrCol => "source_identity_name", "its display name";
        source_identity_type: StrCol => "source_identity_type", "User | Group …";
        source_upn: StrCol => "source_upn", "the source identity's UPN, lower-cased, when logged";
        target_identity_id: StrCol => "target_identity_id", "id of the identity in the target system";
        target_identity_name: StrCol => "target_identity_name", "its display name";
        target_identity_type: StrCol => "target_identity_type", "its type";
        initiated_by_type: StrCol => "initiated_by_type", "system | user | application";
        initiated_by_name: StrCol => "initiated_by_name", "who started it (Azure AD Provisioning Service, an admin …)";
        changes: StrCol => "changes", "modified properties as `name: old -> new`, one per line";
        tenant_id: StrCol => "tenant_id", "Entra tenant";
        source_file: StrCol => "source_file", "input file (archive!member for archive members)";
        source_format: StrCol => "source_format", "export shape the record was read from";
        source_record: IntCol => "source_record", "line (NDJSON, CSV) or element index (JSON arrays) of the record in source_file";
    }
}

canonical_table! {
    /// One risky-service-principal state record.
    RiskyServicePrincipal, RiskyServicePrincipalColumns, RISKY_SERVICE_PRINCIPALS, "risky_service_principals",
    "Identity Protection risky workload identities (RiskyServicePrincipals / riskyServicePrincipals)" {
        time: TimeCol => "time", "riskLastUpdatedDateTime, UTC";
        id: StrCol => "id", "record id: the service principal id plus the update time";
        service_principal_id: StrCol => "service_principal_id", "service principal object id";
        app_id: StrCol => "app_id", "application id";
        service_principal_name: StrCol => "service_principal_name", "display name";
        service_principal_type: StrCol => "service_principal_type", "application | managedIdentity | legacy …";
        risk_level: StrCol => "risk_level", "low | medium | high | hidden | none";
        risk_state: StrCol => "risk_state", "atRisk | confirmedCompromised | remediated | dismissed | confirmedSafe | none";
        risk_detail: StrCol => "risk_detail", "risk detail";
        is_enabled: BoolCol => "is_enabled", "the service principal is enabled";
        is_processing: BoolCol => "is_processing", "risk state is being processed";
        tenant_id: StrCol => "tenant_id", "Entra tenant";
        source_file: StrCol => "source_file", "input file (archive!member for archive members)";
        source_format: StrCol => "source_format", "export shape the record was read from";
        source_record: IntCol => "source_record", "line (NDJSON, CSV) or element index (JSON arrays) of the record in source_file";
    }
}

/// Columns the enrichment stage adds before rules run (detection-time only: they depend on
/// the policy, the learned baseline and the intel files, so they are not stored in the
/// dataset).
pub mod enriched {
    use super::ColumnDoc;

    pub const IP_IS_TRUSTED: &str = "ip_is_trusted";
    pub const IP_TRUST: &str = "ip_trust";
    pub const IP_IS_PRIVATE: &str = "ip_is_private";
    pub const IP_IS_HOSTING: &str = "ip_is_hosting";
    pub const IP_HOSTING_PROVIDER: &str = "ip_hosting_provider";
    pub const IP_INTEL: &str = "ip_intel";
    pub const IP_ASN: &str = "ip_asn";
    pub const UA_TOOL: &str = "ua_tool";
    pub const UA_TOOL_KIND: &str = "ua_tool_kind";
    pub const APP_IS_FOCI: &str = "app_is_foci";
    pub const IS_LEGACY_AUTH: &str = "is_legacy_auth";
    pub const FIRST_FACTOR_OK: &str = "first_factor_ok";
    pub const USER_IS_PRIVILEGED: &str = "user_is_privileged";
    pub const USER_IS_BREAK_GLASS: &str = "user_is_break_glass";
    pub const COUNTRY_ALLOWED: &str = "country_allowed";
    pub const DEVICE_CODE_EXPECTED: &str = "device_code_expected";
    pub const APP_IS_HIGH_IMPACT: &str = "app_is_high_impact";
    pub const COUNTRY_IS_USUAL: &str = "country_is_usual";
    pub const COUNTRY_IS_USUAL_FOR_USER: &str = "country_is_usual_for_user";
    pub const ASN_IS_USUAL_FOR_USER: &str = "asn_is_usual_for_user";
    pub const DEVICE_IS_USUAL_FOR_USER: &str = "device_is_usual_for_user";
    pub const IP_IS_OWN_FOR_USER: &str = "ip_is_own_for_user";
    pub const SOURCE_IS_USUAL_FOR_SP: &str = "source_is_usual_for_sp";
    pub const TARGET_IS_AUTOMATION: &str = "target_is_automation";
    pub const ROLE_NAME: &str = "role_name";
    pub const ROLE_TEMPLATE_ID: &str = "role_template_id";
    pub const ROLE_IS_PRIVILEGED: &str = "role_is_privileged";
    pub const ACTOR_IS_PRIVILEGED: &str = "actor_is_privileged";
    pub const ACTOR_IS_BREAK_GLASS: &str = "actor_is_break_glass";
    pub const TARGET_IS_PRIVILEGED: &str = "target_is_privileged";
    pub const TARGET_IS_BREAK_GLASS: &str = "target_is_break_glass";
    pub const USER_PRINCIPAL_NAME: &str = "user_principal_name";
    pub const APP_DISPLAY_NAME: &str = "app_display_name";
    pub const PRINCIPAL_SIGNED_IN_FROM_IP: &str = "principal_signed_in_from_ip";

    const fn c(name: &'static str, dtype: &'static str, doc: &'static str) -> ColumnDoc {
        ColumnDoc { name, dtype, doc }
    }

    const IP: [ColumnDoc; 6] = [
        c(IP_IS_TRUSTED, "bool", "the IP is inside trusted_ips: the policy's, or the learned shared egress"),
        c(IP_TRUST, "str", "why it is trusted: policy | learned (null when not trusted)"),
        c(IP_IS_PRIVATE, "bool", "RFC 1918 / loopback / link-local / CGNAT / ULA address"),
        c(IP_IS_HOSTING, "bool", "the IP's ASN is a hosting, VPS, VPN or anonymiser network"),
        c(IP_HOSTING_PROVIDER, "str", "name of that hosting network"),
        c(IP_INTEL, "str", "label from the intel files (IOC lists) matching the IP"),
    ];
    const UA: [ColumnDoc; 2] = [
        c(UA_TOOL, "str", "attack tool or HTTP library the user agent belongs to"),
        c(UA_TOOL_KIND, "str", "attack_tool | http_library | legacy_ropc"),
    ];

    /// Enrichment columns per table, in the order they are appended.
    pub fn columns(table: &str) -> Vec<ColumnDoc> {
        let mut v: Vec<ColumnDoc> = IP.to_vec();
        match table {
            "signins" => {
                v.extend(UA);
                v.extend([
                    c(APP_IS_FOCI, "bool", "the client app is in the family of client ids (interchangeable refresh tokens)"),
                    c(IS_LEGACY_AUTH, "bool", "client_app_used is a legacy (basic auth) protocol"),
                    c(FIRST_FACTOR_OK, "bool", "the error code means the password was correct (success, MFA interrupts, CA blocks …)"),
                    c(USER_IS_PRIVILEGED, "bool", "policy privileged_users, or seen receiving an admin role in the audits"),
                    c(USER_IS_BREAK_GLASS, "bool", "the user is a policy break_glass_account"),
                    c(COUNTRY_ALLOWED, "bool", "country is in allowed_countries (null without that policy)"),
                    c(DEVICE_CODE_EXPECTED, "bool", "the user is in expected_device_code_users"),
                    c(APP_IS_HIGH_IMPACT, "bool", "the app is in the policy's high_impact_apps"),
                    c(COUNTRY_IS_USUAL, "bool", "the country is one the tenant's users usually sign in from (null when unknown)"),
                    c(COUNTRY_IS_USUAL_FOR_USER, "bool", "the country is one of this user's usual countries"),
                    c(ASN_IS_USUAL_FOR_USER, "bool", "the network (ASN) is one of this user's usual networks"),
                    c(DEVICE_IS_USUAL_FOR_USER, "bool", "the device is one of this user's usual devices"),
                    c(
                        IP_IS_OWN_FOR_USER,
                        "bool",
                        "this exact address served the user's successful sign-ins on at least two days, the first before this row (their home, office or phone; an attacker's address has no history before its attack)",
                    ),
                    c(SOURCE_IS_USUAL_FOR_SP, "bool", "service-principal sign-in from one of the principal's usual networks or ASNs"),
                ]);
            }
            "audits" => {
                v.push(c(IP_ASN, "i64", "ASN of the initiator IP, learned from the sign-ins"));
                v.extend(UA);
                v.extend([
                    c(ROLE_NAME, "str", "the directory role the event concerns (Role.DisplayName, or a Role target)"),
                    c(ROLE_TEMPLATE_ID, "str", "that role's template id, when known"),
                    c(ROLE_IS_PRIVILEGED, "bool", "the role is privileged by template id (Microsoft's PRIVILEGED list and CISA's), or a custom role; null for events without a role"),
                    c(ACTOR_IS_PRIVILEGED, "bool", "the initiating user is privileged"),
                    c(ACTOR_IS_BREAK_GLASS, "bool", "the initiating user is a break-glass account"),
                    c(TARGET_IS_PRIVILEGED, "bool", "the first target user is privileged"),
                    c(TARGET_IS_BREAK_GLASS, "bool", "the first target user is a break-glass account"),
                    c(TARGET_IS_AUTOMATION, "bool", "the first target is an app whose credentials are renewed by routine automation"),
                ]);
            }
            "risk_detections" => {
                v.push(c(USER_IS_PRIVILEGED, "bool", "the user is privileged"));
            }
            "graph_activity" => {
                v.extend(UA);
                v.extend([
                    c(USER_PRINCIPAL_NAME, "str", "the caller's UPN, looked up from the sign-ins by user id (null for app-only tokens or users with no sign-in in the window)"),
                    c(APP_DISPLAY_NAME, "str", "the client app's name, looked up from the sign-ins by app id"),
                    c(USER_IS_PRIVILEGED, "bool", "the caller is privileged"),
                    c(
                        PRINCIPAL_SIGNED_IN_FROM_IP,
                        "bool",
                        "the caller (user id, else service principal id) has a successful sign-in from this exact address in the window; false means the token is used from an address that never signed in (replay)",
                    ),
                ]);
            }
            "provisioning" | "risky_service_principals" => v.clear(),
            _ => {
                v.clear();
                v.push(c(USER_IS_PRIVILEGED, "bool", "the user is privileged"));
            }
        }
        v
    }
}

/// A canonical row of any table, as the readers emit them.
#[derive(Debug, Clone)]
pub enum Row<'a> {
    SignIn(Box<SignIn<'a>>),
    Audit(Box<Audit<'a>>),
    RiskDetection(Box<RiskDetection<'a>>),
    RiskyUser(Box<RiskyUser<'a>>),
    GraphActivity(Box<GraphActivity<'a>>),
    Provisioning(Box<Provisioning<'a>>),
    RiskyServicePrincipal(Box<RiskyServicePrincipal<'a>>),
}

impl Row<'_> {
    pub fn table(&self) -> Table {
        match self {
            Row::SignIn(_) => Table::SignIns,
            Row::Audit(_) => Table::Audits,
            Row::RiskDetection(_) => Table::RiskDetections,
            Row::RiskyUser(_) => Table::RiskyUsers,
            Row::GraphActivity(_) => Table::GraphActivity,
            Row::Provisioning(_) => Table::Provisioning,
            Row::RiskyServicePrincipal(_) => Table::RiskyServicePrincipals,
        }
    }
}

/// One builder per table: what a reader fills for one input file.
pub struct TableBuilders {
    pub signins: SignInColumns,
    pub audits: AuditColumns,
    pub risk_detections: RiskDetectionColumns,
    pub risky_users: RiskyUserColumns,
    pub graph_activity: GraphActivityColumns,
    pub provisioning: ProvisioningColumns,
    pub risky_service_principals: RiskyServicePrincipalColumns,
}

impl Default for TableBuilders {
    fn default() -> Self {
        TableBuilders::for_bytes(u64::MAX)
    }
}

impl TableBuilders {
    /// Builders sized for an input of `bytes`: a sign-in record takes at least ~1 KB of JSON
    /// or CSV, so a tiny file gets tiny builders. (Fixed capacities of 1,024 rows cost about
    /// 400 KB per entry, and 10,000 one-record files held 4 GiB.) They still grow as needed.
    pub fn for_bytes(bytes: u64) -> Self {
        let rows = |per_row: u64, cap: u64| (bytes / per_row).clamp(1, cap) as usize;
        TableBuilders {
            signins: SignInColumns::with_capacity(rows(1024, 1024)),
            audits: AuditColumns::with_capacity(rows(1024, 64)),
            risk_detections: RiskDetectionColumns::with_capacity(rows(1024, 8)),
            risky_users: RiskyUserColumns::with_capacity(rows(1024, 8)),
            graph_activity: GraphActivityColumns::with_capacity(rows(1024, 64)),
            provisioning: ProvisioningColumns::with_capacity(rows(1024, 8)),
            risky_service_principals: RiskyServicePrincipalColumns::with_capacity(rows(1024, 8)),
        }
    }

    pub fn push(&mut self, row: &Row<'_>) {
        match row {
            Row::SignIn(r) => self.signins.push(r),
            Row::Audit(r) => self.audits.push(r),
            Row::RiskDetection(r) => self.risk_detections.push(r),
            Row::RiskyUser(r) => self.risky_users.push(r),
            Row::GraphActivity(r) => self.graph_activity.push(r),
            Row::Provisioning(r) => self.provisioning.push(r),
            Row::RiskyServicePrincipal(r) => self.risky_service_principals.push(r),
        }
    }

    /// Finish into one frame per table (empty tables included, with their schema).
    pub fn finish(self) -> [(Table, DataFrame); Table::COUNT] {
        [
            (Table::SignIns, self.signins.finish()),
            (Table::Audits, self.audits.finish()),
            (Table::RiskDetections, self.risk_detections.finish()),
            (Table::RiskyUsers, self.risky_users.finish()),
            (Table::GraphActivity, self.graph_activity.finish()),
            (Table::Provisioning, self.provisioning.finish()),
            (Table::RiskyServicePrincipals, self.risky_service_principals.finish()),
        ]
    }
}

/// An empty frame with the table's schema.
pub fn empty_frame(table: Table) -> DataFrame {
    DataFrame::empty_with_schema(&table.schema())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_produce_the_declared_schema() {
        let mut b = TableBuilders::default();
        b.push(&Row::SignIn(Box::new(SignIn {
            time: Some(1_700_000_000_000_000),
            id: Some("a".into()),
            auth_methods: vec!["Password".into()],
            ..Default::default()
        })));
        b.push(&Row::Audit(Box::new(Audit {
            id: Some("d".into()),
            targets: vec![Target {
                id: Some("t".into()),
                modified_properties: vec![ModifiedProperty {
                    name: Some("KeyDescription".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            additional_details: vec![KeyValue { key: Some("User-Agent".into()), value: Some("x".into()) }],
            ..Default::default()
        })));
        for (table, df) in b.finish() {
            let want = table.schema();
            let got = df.schema();
            assert_eq!(got.len(), want.len(), "{}", table.name());
            for (name, dtype) in want.iter() {
                assert_eq!(got.get(name), Some(dtype), "{}.{name}", table.name());
            }
        }
    }

    #[test]
    fn docs_list_every_column_once() {
        for t in Table::ALL {
            let names: std::collections::BTreeSet<_> = t.doc().columns.iter().map(|c| c.name).collect();
            assert_eq!(names.len(), t.doc().columns.len(), "{}", t.name());
            assert!(names.contains(col::TIME) && names.contains(col::ID));
            assert!(names.contains(col::SOURCE_FILE));
        }
    }
}
