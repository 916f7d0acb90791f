//! Ctrl-C and SIGTERM (what CI cancellation sends) during apply and destroy: the first asks the
//! run to stop starting new steps, the second stops the command at once. Both are values the
//! command returns; nothing here exits the process.

use std::future::Future;
use std::sync::Arc;

use crate::apply::Cancel;
use crate::output;

/// Waits for SIGINT or SIGTERM; `false` when no signal can be listened for.
async fn next_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
            return false;
        };
        tokio::select! {
            got = int.recv() => got.is_some(),
            got = term.recv() => got.is_some(),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

/// Starts listening: the first signal cancels `cancel`; the returned future resolves on the
/// second one (and never, if there is none).
pub fn listen(cancel: Arc<Cancel>) -> impl Future<Output = ()> {
    let (second, aborted) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        if next_signal().await {
            output::stderr(
                "\nInterrupt: finishing the AWS call in flight and starting no new step (interrupt again to stop at once)\n",
            );
            cancel.cancel();
            if next_signal().await {
                let _ = second.send(());
            }
        }
    });
    async move {
        if aborted.await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
