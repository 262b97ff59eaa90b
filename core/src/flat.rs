//! `#[serde(flatten)]` for reading, without serde's buffering.
//!
//! Five wire types carry another type's fields at their own level
//! (`MemberDetail` is a `MemberSummary` and four fields more). serde's
//! derived `flatten` reads such an object into its private `Content`
//! buffer first and then decodes the flattened struct, and every type
//! inside it, a second time from that buffer: a second decoder for the
//! whole tree, the largest single cost in the console's module
//! (BENCHMARKS.md has the measure). [`split`] reads the object once: the
//! outer type's own fields, few and small, are set aside as they pass, and
//! every other key goes straight to the flattened struct's own derived
//! decoder. Writing keeps serde's `flatten`, which buffers nothing; the
//! round-trip tests in `wire` hold the two together.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Reads one object as `Inner` (every key but those in `own`) and `Own`
/// (the keys in `own`, which must be `Own`'s fields).
pub(crate) fn split<'de, D, Inner, Own>(d: D, own: &'static [&'static str]) -> Result<(Inner, Own), D::Error>
where
    D: Deserializer<'de>,
    Inner: Deserialize<'de>,
    Own: DeserializeOwned,
{
    d.deserialize_map(Split { own, types: PhantomData })
}

struct Split<Inner, Own> {
    own: &'static [&'static str],
    types: PhantomData<fn() -> (Inner, Own)>,
}

impl<'de, Inner: Deserialize<'de>, Own: DeserializeOwned> Visitor<'de> for Split<Inner, Own> {
    type Value = (Inner, Own);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut taken = Map::new();
        let inner = Inner::deserialize(de::value::MapAccessDeserializer::new(Filter {
            map,
            own: self.own,
            taken: &mut taken,
        }))?;
        let own = Own::deserialize(Value::Object(taken)).map_err(de::Error::custom)?;
        Ok((inner, own))
    }
}

/// The object's entries as the flattened struct sees them: the outer
/// type's own keys are taken out on the way.
struct Filter<'t, A> {
    map: A,
    own: &'static [&'static str],
    taken: &'t mut Map<String, Value>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Filter<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key::<String>()? {
            if self.own.contains(&key.as_str()) {
                let value = self.map.next_value()?;
                self.taken.insert(key, value);
            } else {
                return seed.deserialize(IntoDeserializer::<A::Error>::into_deserializer(key)).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// `Deserialize` for a wire type whose first field is flattened (its
/// `#[serde(flatten)]` kept for writing): `read_flattened!(MemberDetail {
/// summary, tags: Vec<String>, … })` names the flattened field, then the
/// type's own fields once, which both make the set-aside list and the
/// struct they are read into.
macro_rules! read_flattened {
    ($outer:ident { $flat:ident, $($field:ident: $ty:ty),+ $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $outer {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(::serde::Deserialize)]
                struct Own {
                    $($field: $ty),+
                }
                let ($flat, Own { $($field),+ }) = $crate::flat::split(d, &[$(stringify!($field)),+])?;
                Ok($outer { $flat, $($field),+ })
            }
        }
    };
}
pub(crate) use read_flattened;
