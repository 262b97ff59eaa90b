//! Both conversions against a real JS engine's web streams (Node's, run
//! by wasm-bindgen-test-runner; `cargo xtask test` runs this).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_streams::ReadableStream;

/// Items from a list; counts how far it was read and whether it was dropped.
struct Items {
    left: Vec<Result<JsValue, JsValue>>,
    dropped: Rc<Cell<bool>>,
}

impl Stream for Items {
    type Item = Result<JsValue, JsValue>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready((!self.left.is_empty()).then(|| self.left.remove(0)))
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        self.dropped.set(true);
    }
}

fn items(list: Vec<Result<JsValue, JsValue>>) -> (Items, Rc<Cell<bool>>) {
    let dropped = Rc::new(Cell::new(false));
    (Items { left: list, dropped: dropped.clone() }, dropped)
}

async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

/// Rust → JS → Rust: every chunk arrives, in order, then the end.
#[wasm_bindgen_test]
async fn chunks_cross_both_ways_in_order() {
    let (source, dropped) = items(vec![Ok(1.into()), Ok("two".into()), Ok(3.into())]);
    let raw = ReadableStream::from_stream(source).into_raw();
    let mut back = ReadableStream::from_raw(raw).into_stream();
    assert_eq!(next(&mut back).await, Some(Ok(JsValue::from(1))));
    assert_eq!(next(&mut back).await, Some(Ok(JsValue::from("two"))));
    assert_eq!(next(&mut back).await, Some(Ok(JsValue::from(3))));
    assert_eq!(next(&mut back).await, None);
    assert_eq!(next(&mut back).await, None);
    assert!(dropped.get(), "the Rust stream is let go at its end");
}

/// An error from the Rust stream errors the JS stream; the reader sees it
/// once, then the end.
#[wasm_bindgen_test]
async fn an_error_reaches_the_reader_once() {
    let (source, _) = items(vec![Ok(1.into()), Err("broken".into()), Ok(2.into())]);
    let mut back = ReadableStream::from_raw(ReadableStream::from_stream(source).into_raw()).into_stream();
    assert_eq!(next(&mut back).await, Some(Ok(JsValue::from(1))));
    assert_eq!(next(&mut back).await, Some(Err(JsValue::from("broken"))));
    assert_eq!(next(&mut back).await, None);
}

/// Dropping the reader before the end cancels the JS stream, which lets
/// the Rust stream go.
#[wasm_bindgen_test]
async fn dropping_the_reader_cancels_the_source() {
    let (source, dropped) = items((0..10).map(|i| Ok(JsValue::from(i))).collect());
    let mut back = ReadableStream::from_raw(ReadableStream::from_stream(source).into_raw()).into_stream();
    assert_eq!(next(&mut back).await, Some(Ok(JsValue::from(0))));
    assert!(!dropped.get());
    drop(back);
    // The cancel runs as a JS task.
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert!(dropped.get(), "a cancel from JS drops the Rust stream");
}
