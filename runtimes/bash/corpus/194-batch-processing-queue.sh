mkdir -p inbox done failed
for i in 1 2 3 4 5; do echo "job $i payload $((i * 7))" > "inbox/job$i.txt"; done
echo "job 6 BROKEN" > inbox/job6.txt
for f in inbox/*.txt; do
  if grep -q BROKEN "$f"; then mv "$f" failed/; continue; fi
  awk '{print $NF * 2}' "$f" > "done/$(basename "$f" .txt).out"
  rm "$f"
done
echo "inbox: $(ls inbox | wc -l) done: $(ls done | wc -l) failed: $(ls failed)"
cat done/*.out | paste -sd' '
