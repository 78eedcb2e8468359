// The live board: the board (its date and timezone line included) is replaced by each
// "board" server-sent event. Served as a file (not inline) so that the
// Content-Security-Policy can forbid inline scripts. Leaving the page closes the stream
// first, so that leaving is never reported as a lost connection.
const board = document.getElementById("board");
const live = document.getElementById("live");
const source = new EventSource(board.dataset.events);
source.addEventListener("board", (event) => {
  board.innerHTML = JSON.parse(event.data);
  live.textContent = "live";
  live.dataset.state = "live";
});
source.onerror = () => {
  const closed = source.readyState === EventSource.CLOSED;
  live.textContent = closed ? "stopped: reload the page" : "reconnecting…";
  live.dataset.state = "lost";
};
addEventListener("pagehide", () => source.close());
