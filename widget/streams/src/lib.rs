//! The part of [wasm-streams] 0.5 that the widget's dependencies use, and
//! nothing else: a JS `ReadableStream` read as a Rust [`Stream`], and a
//! Rust [`Stream`] offered as a JS `ReadableStream`.
//!
//! Why it exists: Leptos always links server_fn, and server_fn's browser
//! client converts streamed bodies with wasm-streams. wasm-streams makes
//! its underlying sources and sinks `#[wasm_bindgen]` classes, and a
//! class's methods are exports of the module. Exports are roots, so their
//! futures, `futures-util`'s `Abortable` and `core::fmt` (an `io::Error`'s
//! `Display`) stayed in the widget's wasm although the widget calls no
//! server function: 5.2 KB of the shopper's 70 KB gzip (measured
//! 2026-11-22). Here the JS side's callbacks are plain closures, created
//! only when a conversion is asked for, so the linker drops all of it
//! from a program that never asks.
//!
//! The workspace patches this crate in for wasm-streams 0.5 only (see the
//! root Cargo.toml); the Worker's wasm-streams 0.7 is the real one. The
//! API below is wasm-streams 0.5's, for what server_fn 0.8 calls
//! (`from_stream`, `into_raw`, `from_raw`, `into_stream`); a server_fn
//! that calls more fails to build, not at run time. `tests/web.rs` runs
//! both directions against Node's web streams.
//!
//! [wasm-streams]: https://crates.io/crates/wasm-streams

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{QueuingStrategy, ReadableStreamDefaultController, ReadableStreamDefaultReader};

/// A Rust stream of JS values, as the JS side pulls it.
type Source = Rc<RefCell<Option<Pin<Box<dyn Stream<Item = Result<JsValue, JsValue>>>>>>>;

/// A JS `ReadableStream`, on its way to or from Rust.
#[derive(Debug)]
pub struct ReadableStream {
    raw: web_sys::ReadableStream,
}

impl ReadableStream {
    /// Wraps a JS stream.
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        ReadableStream { raw }
    }

    /// A JS stream that pulls its chunks from `stream`: one item per pull,
    /// an `Err` errors the JS stream, the end closes it, and a cancel
    /// from JS drops `stream`.
    pub fn from_stream<St>(stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        let source: Source = Rc::new(RefCell::new(Some(Box::pin(stream))));
        let pulled = source.clone();
        let pull = Closure::<dyn FnMut(ReadableStreamDefaultController) -> js_sys::Promise>::new(
            move |controller: ReadableStreamDefaultController| {
                let source = pulled.clone();
                future_to_promise(async move {
                    // The borrow lasts one poll, never across an await: the
                    // stream may be cancelled while a pull waits.
                    let next = poll_fn(|cx| match source.borrow_mut().as_mut() {
                        Some(stream) => stream.as_mut().poll_next(cx),
                        None => Poll::Ready(None),
                    })
                    .await;
                    match next {
                        Some(Ok(chunk)) => controller.enqueue_with_chunk(&chunk)?,
                        // A rejected pull errors the stream with this reason.
                        Some(Err(e)) => return Err(e),
                        None => {
                            source.borrow_mut().take();
                            controller.close()?;
                        }
                    }
                    Ok(JsValue::UNDEFINED)
                })
            },
        );
        let cancel = Closure::<dyn FnMut(JsValue)>::new(move |_reason: JsValue| {
            source.borrow_mut().take();
        });
        let underlying = Object::new();
        let _ = Reflect::set(&underlying, &"pull".into(), &pull.into_js_value());
        let _ = Reflect::set(&underlying, &"cancel".into(), &cancel.into_js_value());
        // No queue on the JS side: the Rust stream is asked for a chunk
        // only when a reader wants one, as wasm-streams does.
        let strategy = QueuingStrategy::new();
        strategy.set_high_water_mark(0.0);
        let raw = web_sys::ReadableStream::new_with_underlying_source_and_strategy(&underlying, &strategy)
            .expect_throw("ReadableStream with an underlying source");
        ReadableStream { raw }
    }

    /// The JS stream.
    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.raw
    }

    /// Reads the JS stream as a Rust stream: each chunk as `Ok`, a read
    /// error as one `Err` and then the end. Dropping it before the end
    /// cancels the JS stream.
    pub fn into_stream(self) -> IntoStream {
        let reader = self.raw.get_reader().unchecked_into::<ReadableStreamDefaultReader>();
        IntoStream { reader: Some(reader), read: None }
    }
}

/// A JS stream read chunk by chunk ([`ReadableStream::into_stream`]).
#[derive(Debug)]
pub struct IntoStream {
    /// `None` once the stream has ended or failed.
    reader: Option<ReadableStreamDefaultReader>,
    /// The read in flight.
    read: Option<JsFuture>,
}

impl Stream for IntoStream {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(reader) = &this.reader else {
            return Poll::Ready(None);
        };
        let read = this.read.get_or_insert_with(|| JsFuture::from(reader.read()));
        let result = match Pin::new(read).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        this.read = None;
        let step = result.and_then(|r| {
            if Reflect::get(&r, &"done".into())?.is_truthy() {
                Ok(None)
            } else {
                Reflect::get(&r, &"value".into()).map(Some)
            }
        });
        match step {
            Ok(Some(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Ok(None) => {
                if let Some(reader) = this.reader.take() {
                    reader.release_lock();
                }
                Poll::Ready(None)
            }
            Err(e) => {
                this.reader = None;
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}

impl Drop for IntoStream {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.cancel();
        }
    }
}
