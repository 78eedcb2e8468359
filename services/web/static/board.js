// The live board: the table is replaced by each "board" server-sent event. Served as a
// file (not inline) so that the Content-Security-Policy can forbid inline scripts.
const board = document.getElementById("board");
const live = document.getElementById("live");
const source = new EventSource(board.dataset.events);
source.addEventListener("board", (event) => {
  board.innerHTML = JSON.parse(event.data);
  live.textContent = "live";
});
source.onerror = () => { live.textContent = "reconnecting…"; };
