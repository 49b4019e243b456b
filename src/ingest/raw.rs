//! The raw record: what every reader deserializes, before mapping to the canonical model.
//!
//! Entra exports spell the same field in camelCase (Graph, diagnostic settings), PascalCase
//! (PowerShell SDK, Log Analytics), with type suffixes (`_s`, `_dynamic` in re-ingested custom
//! tables), and carry nested objects either as JSON or as JSON *text* inside a string (Log
//! Analytics). Rather than one struct per shape, [`RawRecord`] is a superset of the four
//! Graph objects plus the Azure Monitor envelope, and its deserializer matches keys
//! case-insensitively with suffixes stripped. Scalars are lenient: numbers may arrive as
//! strings and booleans as `TRUE`. Strings borrow from the input buffer when they can, so the
//! hot path allocates little.
//!
//! Mapping these raw fields to canonical columns is `map.rs`'s job, not this module's.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// Whether a parsed field carries a value; a later duplicate key only replaces a present one.
pub trait Present {
    fn present(&self) -> bool;
}

impl<T> Present for Vec<T> {
    fn present(&self) -> bool {
        !self.is_empty()
    }
}
impl<T> Present for Option<T> {
    fn present(&self) -> bool {
        self.is_some()
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient scalars

/// A lenient text value: strings as they are (empty → absent), numbers and booleans as their
/// text, arrays and objects as compact JSON text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct S<'a>(pub Option<Cow<'a, str>>);

impl<'a> S<'a> {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
    /// The value as a canonical text cell (a cheap clone of a borrowed string).
    pub fn cell(&self) -> Option<Cow<'a, str>> {
        self.0.clone()
    }
}
impl Present for S<'_> {
    fn present(&self) -> bool {
        self.0.is_some()
    }
}

struct SVisitor<'a>(PhantomData<&'a ()>);
impl<'de: 'a, 'a> Visitor<'de> for SVisitor<'a> {
    type Value = S<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<S<'a>, E> {
        Ok(S((!v.is_empty()).then_some(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<S<'a>, E> {
        Ok(S((!v.is_empty()).then(|| Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E>(self, v: String) -> Result<S<'a>, E> {
        Ok(S((!v.is_empty()).then_some(Cow::Owned(v))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<S<'a>, E> {
        Ok(S(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E>(self, v: u64) -> Result<S<'a>, E> {
        Ok(S(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E>(self, v: f64) -> Result<S<'a>, E> {
        Ok(S(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_bool<E>(self, v: bool) -> Result<S<'a>, E> {
        Ok(S(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
    }
    fn visit_unit<E>(self) -> Result<S<'a>, E> {
        Ok(S(None))
    }
    fn visit_none<E>(self) -> Result<S<'a>, E> {
        Ok(S(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<S<'a>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<S<'a>, A::Error> {
        let v = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(S(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S<'a>, A::Error> {
        let v = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
        Ok(S(Some(Cow::Owned(v.to_string()))))
    }
}
impl<'de: 'a, 'a> Deserialize<'de> for S<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SVisitor(PhantomData))
    }
}

/// Implements a lenient scalar: native JSON values, or their text in a string.
macro_rules! lenient_scalar {
    ($name:ident, $t:ty, $what:literal, $from_str:expr, $from_i64:expr, $from_f64:expr, $from_bool:expr) => {
        #[derive(Debug, Clone, Copy, Default, PartialEq)]
        pub struct $name(pub Option<$t>);
        impl Present for $name {
            fn present(&self) -> bool {
                self.0.is_some()
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E>(self, v: &str) -> Result<$name, E> {
                        let f: fn(&str) -> Option<$t> = $from_str;
                        Ok($name(f(v.trim())))
                    }
                    fn visit_i64<E>(self, v: i64) -> Result<$name, E> {
                        let f: fn(i64) -> Option<$t> = $from_i64;
                        Ok($name(f(v)))
                    }
                    fn visit_u64<E>(self, v: u64) -> Result<$name, E> {
                        let f: fn(i64) -> Option<$t> = $from_i64;
                        Ok($name(i64::try_from(v).ok().and_then(f)))
                    }
                    fn visit_f64<E>(self, v: f64) -> Result<$name, E> {
                        let f: fn(f64) -> Option<$t> = $from_f64;
                        Ok($name(f(v)))
                    }
                    fn visit_bool<E>(self, v: bool) -> Result<$name, E> {
                        let f: fn(bool) -> Option<$t> = $from_bool;
                        Ok($name(f(v)))
                    }
                    fn visit_unit<E>(self) -> Result<$name, E> {
                        Ok($name(None))
                    }
                    fn visit_none<E>(self) -> Result<$name, E> {
                        Ok($name(None))
                    }
                    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<$name, D::Error> {
                        d.deserialize_any(self)
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$name, A::Error> {
                        while seq.next_element::<IgnoredAny>()?.is_some() {}
                        Ok($name(None))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                        Ok($name(None))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

fn str_to_i64(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().or_else(|| s.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| f as i64))
}
fn str_to_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

lenient_scalar!(I, i64, "an integer", str_to_i64, Some, |f| f.is_finite().then_some(f as i64), |b| Some(
    i64::from(b)
));
lenient_scalar!(
    F,
    f64,
    "a number",
    |s| s.parse::<f64>().ok().filter(|f| f.is_finite()),
    |i| Some(i as f64),
    |f| f.is_finite().then_some(f),
    |_| None
);
lenient_scalar!(B, bool, "a boolean", str_to_bool, |i| Some(i != 0), |f| Some(f != 0.0), Some);

// ---------------------------------------------------------------------------------------------
// Nested values: a JSON object/array, or the same as JSON text inside a string.

/// A nested value that may arrive as JSON or as JSON text in a string (Log Analytics
/// dynamic columns). Text that is not JSON is kept in `text` (e.g. the diagnostic envelope's
/// `location: "US"` or the portal's `Location: "City, State, CC"`).
#[derive(Debug, Clone, Default)]
pub struct J<'a, T> {
    pub obj: Option<T>,
    pub text: S<'a>,
}
impl<T> Present for J<'_, T> {
    fn present(&self) -> bool {
        self.obj.is_some() || self.text.present()
    }
}
impl<T> J<'_, T> {
    pub fn get(&self) -> Option<&T> {
        self.obj.as_ref()
    }
}

/// Parses JSON text held in a string. `from_reader` never hands out borrowed strings, so the
/// result can take any lifetime, including the outer record's.
fn parse_embedded<'de, T: Deserialize<'de>>(text: &str) -> Option<T> {
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let mut de = serde_json::Deserializer::from_reader(t.as_bytes());
    T::deserialize(&mut de).ok()
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for J<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a, T>(PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Deserialize<'de>> V<'a, T> {
            fn from_text<E>(text: Cow<'a, str>) -> Result<J<'a, T>, E> {
                match parse_embedded::<T>(&text) {
                    Some(obj) => Ok(J { obj: Some(obj), text: S(None) }),
                    None => Ok(J { obj: None, text: S((!text.is_empty()).then_some(text)) }),
                }
            }
        }
        impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for V<'a, T> {
            type Value = J<'a, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object, an array, or JSON text")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(J { obj: Some(T::deserialize(MapAccessDeserializer::new(map))?), text: S(None) })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Ok(J { obj: Some(T::deserialize(SeqAccessDeserializer::new(seq))?), text: S(None) })
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Self::from_text(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Self::from_text(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Self::from_text(Cow::Owned(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(J { obj: None, text: S(Some(Cow::Owned(v.to_string()))) })
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(J { obj: None, text: S(Some(Cow::Owned(v.to_string()))) })
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(J { obj: None, text: S(None) })
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(J { obj: None, text: S(Some(Cow::Borrowed(if v { "true" } else { "false" }))) })
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(J { obj: None, text: S(None) })
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(J { obj: None, text: S(None) })
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list that tolerates null items and non-object junk (skipped, not fatal).
#[derive(Debug, Clone, Default)]
pub struct L<T>(pub Vec<T>);
impl<T> Present for L<T> {
    fn present(&self) -> bool {
        !self.0.is_empty()
    }
}
impl<'de, T: Deserialize<'de> + Present> Deserialize<'de> for L<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Present> Visitor<'de> for V<T> {
            type Value = L<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<L<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<T>()? {
                    if item.present() {
                        out.push(item);
                    }
                }
                Ok(L(out))
            }
            // A single object where a list was expected (PowerShell unrolls one-item arrays).
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<L<T>, A::Error> {
                let item = T::deserialize(MapAccessDeserializer::new(map))?;
                Ok(L(if item.present() { vec![item] } else { vec![] }))
            }
            fn visit_str<E>(self, _: &str) -> Result<L<T>, E> {
                Ok(L(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<L<T>, E> {
                Ok(L(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<L<T>, E> {
                Ok(L(Vec::new()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<L<T>, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A nested list: JSON array, JSON text of an array, or a lone object.
pub type JL<'a, T> = J<'a, L<T>>;

impl<T> J<'_, L<T>> {
    pub fn items(&self) -> &[T] {
        self.obj.as_ref().map(|l| l.0.as_slice()).unwrap_or(&[])
    }
}

// ---------------------------------------------------------------------------------------------
// Case-insensitive structs

/// An object key, borrowed from the input when possible.
struct Key<'a>(Cow<'a, str>);
impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// Folds a key for matching: ASCII lower case, a leading `@`/BOM dropped, and the type
/// suffixes of re-ingested custom tables (`_s _d _b _g _t _dynamic _string`) stripped.
pub fn fold_key<'b>(key: &str, buf: &'b mut [u8; 64]) -> &'b str {
    let key = key.trim_start_matches('\u{feff}');
    let bytes = key.as_bytes();
    if bytes.len() > buf.len() {
        return "";
    }
    let mut n = 0;
    for &c in bytes {
        buf[n] = c.to_ascii_lowercase();
        n += 1;
    }
    // SAFETY: `key` is a `&str` (valid UTF-8) and ASCII lower-casing changes only bytes
    // below 0x80 into other bytes below 0x80, so `buf[..n]` is valid UTF-8 too. (Validating
    // it again cost 5 % of ingest: this runs for every key of every record.)
    let mut s = unsafe { std::str::from_utf8_unchecked(&buf[..n]) };
    // Hot path: almost no Graph or Log Analytics key has an underscore.
    if !s.contains('_') {
        return s;
    }
    for suffix in ["_dynamic", "_string", "_s", "_d", "_b", "_g", "_t"] {
        if let Some(stripped) = s.strip_suffix(suffix) {
            if !stripped.is_empty() {
                s = stripped;
                break;
            }
        }
    }
    s
}

/// Declares a struct whose fields are filled from case-insensitively matched keys.
macro_rules! raw_struct {
    ($(#[$m:meta])* $name:ident { $( $field:ident : $ty:ty = [$($key:literal),+] ),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default)]
        pub struct $name<'a> {
            $( pub $field: $ty, )+
            _life: PhantomData<&'a ()>,
        }

        impl Present for $name<'_> {
            fn present(&self) -> bool {
                $( self.$field.present() )||+
            }
        }

        impl<'de: 'a, 'a> Deserialize<'de> for $name<'a> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V<'a>(PhantomData<&'a ()>);
                impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
                    type Value = $name<'a>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        let mut out = $name::default();
                        let mut buf = [0u8; 64];
                        while let Some(key) = map.next_key::<Key<'de>>()? {
                            match fold_key(&key.0, &mut buf) {
                                $(
                                    $($key)|+ => {
                                        let v: $ty = map.next_value()?;
                                        if v.present() || !out.$field.present() {
                                            out.$field = v;
                                        }
                                    }
                                )+
                                _ => {
                                    map.next_value::<IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(out)
                    }
                    // null, or a scalar where an object was expected: an empty object.
                    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                        Ok($name::default())
                    }
                    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                        Ok($name::default())
                    }
                    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                        Ok($name::default())
                    }
                    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                        Ok($name::default())
                    }
                    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                        Ok($name::default())
                    }
                }
                d.deserialize_any(V(PhantomData))
            }
        }
    };
}

raw_struct! {
    /// Sign-in `status`.
    Status {
        error_code: I = ["errorcode"],
        failure_reason: S<'a> = ["failurereason"],
        additional_details: S<'a> = ["additionaldetails"],
    }
}

raw_struct! {
    /// Geo coordinates of a sign-in location.
    Geo {
        latitude: F = ["latitude"],
        longitude: F = ["longitude"],
    }
}

raw_struct! {
    /// Sign-in / risk `location` object (LA `LocationDetails`).
    Location {
        city: S<'a> = ["city"],
        state: S<'a> = ["state"],
        country: S<'a> = ["countryorregion"],
        geo: J<'a, Geo<'a>> = ["geocoordinates"],
    }
}

raw_struct! {
    /// `deviceDetail`.
    Device {
        device_id: S<'a> = ["deviceid"],
        display_name: S<'a> = ["displayname"],
        os: S<'a> = ["operatingsystem"],
        browser: S<'a> = ["browser"],
        is_compliant: B = ["iscompliant"],
        is_managed: B = ["ismanaged"],
        trust_type: S<'a> = ["trusttype"],
    }
}

raw_struct! {
    /// One `authenticationDetails` step.
    AuthStep {
        step_time: S<'a> = ["authenticationstepdatetime"],
        method: S<'a> = ["authenticationmethod"],
        method_detail: S<'a> = ["authenticationmethoddetail"],
        succeeded: B = ["succeeded"],
        result_detail: S<'a> = ["authenticationstepresultdetail"],
        requirement: S<'a> = ["authenticationsteprequirement"],
    }
}

raw_struct! {
    /// One applied Conditional Access policy.
    CaPolicy {
        display_name: S<'a> = ["displayname"],
        result: S<'a> = ["result"],
        grant_controls: JL<'a, S<'a>> = ["enforcedgrantcontrols"],
    }
}

raw_struct! {
    /// `managedServiceIdentity`.
    Msi {
        msi_type: S<'a> = ["msitype"],
    }
}

raw_struct! {
    /// Deprecated `mfaDetail`.
    Mfa {
        auth_method: S<'a> = ["authmethod"],
        auth_detail: S<'a> = ["authdetail"],
    }
}

raw_struct! {
    /// `tokenProtectionStatusDetails`.
    TokenProtection {
        session_status: S<'a> = ["signinsessionstatus"],
    }
}

raw_struct! {
    /// `initiatedBy.user`.
    ActorUser {
        id: S<'a> = ["id"],
        display_name: S<'a> = ["displayname"],
        upn: S<'a> = ["userprincipalname"],
        ip: S<'a> = ["ipaddress"],
    }
}

raw_struct! {
    /// `initiatedBy.app`.
    ActorApp {
        app_id: S<'a> = ["appid"],
        display_name: S<'a> = ["displayname"],
        sp_id: S<'a> = ["serviceprincipalid"],
        sp_name: S<'a> = ["serviceprincipalname"],
    }
}

raw_struct! {
    /// `initiatedBy`: `{user, app}` in audits, `{Type, Id, Name}` (Azure Monitor) or
    /// `{initiatorType, id, displayName}` (Graph) in provisioning events.
    InitiatedBy {
        user: J<'a, ActorUser<'a>> = ["user"],
        app: J<'a, ActorApp<'a>> = ["app"],
        kind: S<'a> = ["type", "initiatortype"],
        id: S<'a> = ["id"],
        name: S<'a> = ["name", "displayname"],
    }
}

raw_struct! {
    /// `details` of a provisioning identity.
    IdentityDetails {
        upn: S<'a> = ["userprincipalname"],
    }
}

raw_struct! {
    /// A provisioning `servicePrincipal`, `sourceSystem`, `targetSystem`, `sourceIdentity` or
    /// `targetIdentity`: `{Id, Name}` in Azure Monitor, `{id, displayName}` in Graph.
    NamedRef {
        id: S<'a> = ["id"],
        name: S<'a> = ["name", "displayname"],
        identity_type: S<'a> = ["identitytype"],
        details: J<'a, IdentityDetails<'a>> = ["details"],
    }
}

raw_struct! {
    /// `provisioningStatusInfo.errorInformation`.
    ProvisioningError {
        error_code: S<'a> = ["errorcode"],
        reason: S<'a> = ["reason"],
    }
}

raw_struct! {
    /// `provisioningStatusInfo`.
    ProvisioningStatus {
        status: S<'a> = ["status"],
        error: J<'a, ProvisioningError<'a>> = ["errorinformation"],
    }
}

raw_struct! {
    /// One `modifiedProperties` item; values are still JSON-encoded text here.
    ModProp {
        name: S<'a> = ["displayname"],
        old_value: S<'a> = ["oldvalue"],
        new_value: S<'a> = ["newvalue"],
    }
}

raw_struct! {
    /// One `targetResources` item.
    TargetRes {
        id: S<'a> = ["id"],
        display_name: S<'a> = ["displayname"],
        kind: S<'a> = ["type"],
        upn: S<'a> = ["userprincipalname"],
        modified: JL<'a, ModProp<'a>> = ["modifiedproperties"],
    }
}

raw_struct! {
    /// A `{key, value}` pair (audit `additionalDetails`, sign-in processing details).
    Kv {
        key: S<'a> = ["key"],
        value: S<'a> = ["value"],
    }
}

raw_struct! {
    /// The superset record: a Graph `signIn`, `directoryAudit`, `riskDetection` or
    /// `riskyUser`, a Log Analytics row of any Entra table, or an Azure Monitor envelope whose
    /// `properties` is again a `RawRecord`. Wrapper pages (`value`, `records`, `tables`) are
    /// kept as raw JSON so the reader can walk into them.
    RawRecord {
        // Azure Monitor envelope and Log Analytics housekeeping
        time: S<'a> = ["time"],
        time_generated: S<'a> = ["timegenerated"],
        category: S<'a> = ["category"],
        operation_name: S<'a> = ["operationname"],
        result_type: S<'a> = ["resulttype"],
        result_description: S<'a> = ["resultdescription"],
        caller_ip: S<'a> = ["calleripaddress"],
        identity: S<'a> = ["identity"],
        tenant_id: S<'a> = ["tenantid"],
        aad_tenant_id: S<'a> = ["aadtenantid"],
        la_type: S<'a> = ["type"],
        properties: Option<Box<RawRecord<'a>>> = ["properties"],
        value: Option<&'a RawValue> = ["value"],
        records: Option<&'a RawValue> = ["records"],
        tables: Option<&'a RawValue> = ["tables"],
        // shared
        id: S<'a> = ["id"],
        correlation_id: S<'a> = ["correlationid"],
        location: J<'a, Location<'a>> = ["location"],
        location_details: J<'a, Location<'a>> = ["locationdetails"],
        ip: S<'a> = ["ipaddress"],
        user_id: S<'a> = ["userid"],
        upn: S<'a> = ["userprincipalname"],
        sign_in_identifier: S<'a> = ["signinidentifier", "alternatesigninname"],
        user_display_name: S<'a> = ["userdisplayname"],
        user_type: S<'a> = ["usertype"],
        user_agent: S<'a> = ["useragent"],
        risk_level: S<'a> = ["risklevel"],
        risk_state: S<'a> = ["riskstate"],
        risk_detail: S<'a> = ["riskdetail"],
        token_issuer_type: S<'a> = ["tokenissuertype"],
        city: S<'a> = ["city"],
        state: S<'a> = ["state"],
        country_or_region: S<'a> = ["countryorregion"],
        // signIn
        created: S<'a> = ["createddatetime"],
        app_id: S<'a> = ["appid"],
        app_display_name: S<'a> = ["appdisplayname"],
        client_app_used: S<'a> = ["clientappused"],
        original_request_id: S<'a> = ["originalrequestid"],
        is_interactive: B = ["isinteractive"],
        sign_in_event_types: JL<'a, S<'a>> = ["signineventtypes"],
        resource_display_name: S<'a> = ["resourcedisplayname"],
        resource_id: S<'a> = ["resourceid"],
        resource_identity: S<'a> = ["resourceidentity"],
        resource_tenant_id: S<'a> = ["resourcetenantid"],
        home_tenant_id: S<'a> = ["hometenantid"],
        status: J<'a, Status<'a>> = ["status"],
        conditional_access_status: S<'a> = ["conditionalaccessstatus"],
        ca_policies: JL<'a, CaPolicy<'a>> = ["appliedconditionalaccesspolicies", "conditionalaccesspolicies"],
        device: J<'a, Device<'a>> = ["devicedetail"],
        auth_steps: JL<'a, AuthStep<'a>> = ["authenticationdetails"],
        authentication_requirement: S<'a> = ["authenticationrequirement"],
        authentication_protocol: S<'a> = ["authenticationprotocol"],
        incoming_token_type: S<'a> = ["incomingtokentype"],
        original_transfer_method: S<'a> = ["originaltransfermethod"],
        client_credential_type: S<'a> = ["clientcredentialtype"],
        cross_tenant_access_type: S<'a> = ["crosstenantaccesstype"],
        risk_level_aggregated: S<'a> = ["risklevelaggregated"],
        risk_level_during: S<'a> = ["risklevelduringsignin"],
        risk_event_types_v2: JL<'a, S<'a>> = ["riskeventtypes_v2"],
        risk_event_types: JL<'a, S<'a>> = ["riskeventtypes"],
        token_issuer_name: S<'a> = ["tokenissuername"],
        unique_token_id: S<'a> = ["uniquetokenidentifier"],
        asn: I = ["autonomoussystemnumber"],
        sp_id: S<'a> = ["serviceprincipalid"],
        sp_name: S<'a> = ["serviceprincipalname"],
        sp_key_id: S<'a> = ["serviceprincipalcredentialkeyid"],
        sp_thumbprint: S<'a> = ["serviceprincipalcredentialthumbprint"],
        msi: J<'a, Msi<'a>> = ["managedserviceidentity"],
        session_id: S<'a> = ["sessionid", "c_sid"],
        mfa: J<'a, Mfa<'a>> = ["mfadetail"],
        app_owner_tenant_id: S<'a> = ["appownertenantid"],
        processing_details: JL<'a, Kv<'a>> = ["authenticationprocessingdetails"],
        token_protection: S<'a> = ["signintokenprotectionstatus"],
        token_protection_details: J<'a, TokenProtection<'a>> = ["tokenprotectionstatusdetails"],
        // MicrosoftGraphActivityLogs
        request_uri: S<'a> = ["requesturi"],
        request_method: S<'a> = ["requestmethod"],
        response_status: I = ["responsestatuscode"],
        response_size: I = ["responsesizebytes"],
        duration_ms: I = ["durationms"],
        api_version: S<'a> = ["apiversion"],
        sign_in_activity_id: S<'a> = ["signinactivityid"],
        device_id: S<'a> = ["deviceid", "c_deviceid"],
        token_issued_at: S<'a> = ["tokenissuedat"],
        scopes: S<'a> = ["scopes"],
        roles: S<'a> = ["roles"],
        wids: S<'a> = ["wids"],
        client_auth_method: S<'a> = ["clientauthmethod"],
        client_request_id: S<'a> = ["clientrequestid"],
        operation_id: S<'a> = ["operationid"],
        // provisioningObjectSummary
        job_id: S<'a> = ["jobid"],
        cycle_id: S<'a> = ["cycleid"],
        change_id: S<'a> = ["changeid"],
        action: S<'a> = ["action"],
        provisioning_action: S<'a> = ["provisioningaction"],
        service_principal: J<'a, NamedRef<'a>> = ["serviceprincipal"],
        source_system: J<'a, NamedRef<'a>> = ["sourcesystem"],
        target_system: J<'a, NamedRef<'a>> = ["targetsystem"],
        source_identity: J<'a, NamedRef<'a>> = ["sourceidentity"],
        target_identity: J<'a, NamedRef<'a>> = ["targetidentity"],
        provisioning_status: J<'a, ProvisioningStatus<'a>> = ["provisioningstatusinfo"],
        modified_properties: JL<'a, ModProp<'a>> = ["modifiedproperties"],
        // riskyServicePrincipal / servicePrincipalRiskDetection
        display_name: S<'a> = ["displayname"],
        sp_display_name: S<'a> = ["serviceprincipaldisplayname"],
        sp_type: S<'a> = ["serviceprincipaltype"],
        is_enabled: B = ["isenabled", "accountenabled"],
        // directoryAudit
        activity_time: S<'a> = ["activitydatetime"],
        activity_display_name: S<'a> = ["activitydisplayname"],
        result: S<'a> = ["result"],
        result_reason: S<'a> = ["resultreason"],
        logged_by_service: S<'a> = ["loggedbyservice"],
        operation_type: S<'a> = ["operationtype", "aadoperationtype"],
        initiated_by: J<'a, InitiatedBy<'a>> = ["initiatedby"],
        targets: JL<'a, TargetRes<'a>> = ["targetresources"],
        additional_details: JL<'a, Kv<'a>> = ["additionaldetails"],
        // riskDetection
        request_id: S<'a> = ["requestid"],
        risk_event_type: S<'a> = ["riskeventtype"],
        risk_type: S<'a> = ["risktype"],
        source: S<'a> = ["source"],
        detection_timing: S<'a> = ["detectiontimingtype"],
        activity: S<'a> = ["activity"],
        detected_time: S<'a> = ["detecteddatetime"],
        additional_info: S<'a> = ["additionalinfo"],
        // riskyUser
        risk_last_updated: S<'a> = ["risklastupdateddatetime"],
        is_deleted: B = ["isdeleted"],
        is_processing: B = ["isprocessing"],
    }
}

impl<'a> RawRecord<'a> {
    /// The Graph object: `properties` for an Azure Monitor envelope, the record itself
    /// otherwise.
    pub fn body(&self) -> &RawRecord<'a> {
        self.properties.as_deref().unwrap_or(self)
    }

    /// Whether this object is a page or envelope around records rather than a record.
    pub fn is_wrapper(&self) -> bool {
        self.value.is_some() || self.records.is_some() || self.tables.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_in_any_case_and_with_type_suffixes() {
        let r: RawRecord = serde_json::from_str(
            r#"{"IPAddress":"1.2.3.4","userPrincipalName":"a@b","CreatedDateTime":"x","DeviceDetail_dynamic":{"browser":"Edge"},"Category_s":"SignInLogs"}"#,
        )
        .unwrap();
        assert_eq!(r.ip.get(), Some("1.2.3.4"));
        assert_eq!(r.upn.get(), Some("a@b"));
        assert_eq!(r.created.get(), Some("x"));
        assert_eq!(r.category.get(), Some("SignInLogs"));
        assert_eq!(r.device.get().unwrap().browser.get(), Some("Edge"));
    }

    #[test]
    fn strings_borrow_from_the_input() {
        let text = r#"{"id":"abc","status":{"errorCode":"50126"}}"#.to_string();
        let r: RawRecord = serde_json::from_str(&text).unwrap();
        assert!(matches!(r.id.0, Some(Cow::Borrowed("abc"))));
        assert_eq!(r.status.get().unwrap().error_code.0, Some(50126));
    }

    #[test]
    fn dynamic_columns_as_json_text_are_parsed() {
        let r: RawRecord = serde_json::from_str(
            r#"{"Status":"{\"errorCode\":50057,\"failureReason\":\"disabled\"}","RiskEventTypes_V2":"[\"unfamiliarFeatures\"]","LocationDetails":"{\n \"city\": \"Pyongyang\"}","Location":"KP"}"#,
        )
        .unwrap();
        assert_eq!(r.status.get().unwrap().error_code.0, Some(50057));
        assert_eq!(r.risk_event_types_v2.items()[0].get(), Some("unfamiliarFeatures"));
        assert_eq!(r.location_details.get().unwrap().city.get(), Some("Pyongyang"));
        assert_eq!(r.location.text.get(), Some("KP"));
    }

    #[test]
    fn lenient_scalars() {
        let r: RawRecord = serde_json::from_str(
            r#"{"isInteractive":"TRUE","autonomousSystemNumber":"64500","isDeleted":1,"riskLevel":null,"resultType":0}"#,
        )
        .unwrap();
        assert_eq!(r.is_interactive.0, Some(true));
        assert_eq!(r.asn.0, Some(64500));
        assert_eq!(r.is_deleted.0, Some(true));
        assert_eq!(r.risk_level.get(), None);
        assert_eq!(r.result_type.get(), Some("0"));
    }

    #[test]
    fn duplicate_keys_keep_the_last_present_value() {
        let r: RawRecord =
            serde_json::from_str(r#"{"id":"first","id":"second","userId":"u","UserId":""}"#).unwrap();
        assert_eq!(r.id.get(), Some("second"));
        assert_eq!(r.user_id.get(), Some("u"));
    }

    #[test]
    fn envelope_and_wrappers() {
        let r: RawRecord = serde_json::from_str(
            r#"{"category":"SignInLogs","properties":{"id":"p","userPrincipalName":"x@y"}}"#,
        )
        .unwrap();
        assert_eq!(r.body().id.get(), Some("p"));
        let page: RawRecord = serde_json::from_str(r#"{"@odata.context":"c","value":[{"id":"1"}]}"#).unwrap();
        assert!(page.is_wrapper());
        assert_eq!(page.value.unwrap().get(), r#"[{"id":"1"}]"#);
    }

    #[test]
    fn roles_as_string_or_list_and_junk_items_do_not_fail() {
        let r: RawRecord = serde_json::from_str(
            r#"{"initiatedBy":{"user":{"roles":"admin","userPrincipalName":"a@b"}},"targetResources":[null,{"id":"t","modifiedProperties":[{"displayName":"","oldValue":null,"newValue":"\"x\""}]}]}"#,
        )
        .unwrap();
        let by = r.initiated_by.get().unwrap();
        assert_eq!(by.user.get().unwrap().upn.get(), Some("a@b"));
        assert_eq!(r.targets.items().len(), 1);
        assert_eq!(r.targets.items()[0].modified.items()[0].new_value.get(), Some("\"x\""));
    }
}
