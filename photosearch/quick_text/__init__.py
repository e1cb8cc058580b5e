"""Text queries without torch: a model's text tower exported once to ONNX and run by onnxruntime.

Why (issue 9, `bench/bench_cli.py`, ViT-B-32-256 on the 2-core machine): a new text query in a fresh CLI
process took 8.3 s and 1.9 GB, nearly all of it importing torch and open_clip and building the model, while
rclip 3.3.0 answers in 0.99 s and 438 MiB with onnxruntime. A prototype of this path answered in 0.40 s and
222 MiB (the tower's weights kept in a separate file, which onnxruntime maps instead of parsing: 0.85 s and
400 MiB with the weights inside the .onnx).

- `tokenizer.py`: `QuickTokenizer`, the family's tokenisation rebuilt on the `tokenizers` library (no torch).
- `runner.py`: `QuickText`, an exported tower found by model id and run; `quick_text_folder` says where.
- `export.py` (torch and onnx): writes an export where the real tower is loaded, after checking that its token
  ids equal the family tokenizer's and its vectors the tower's.

Families whose tokenizer can say how to rebuild itself (`quick_tokenizer()`) get the quick path: open_clip
(OpenAI BPE and Hugging Face tokenizers such as XLM-R) and Long-CLIP. LLM2CLIP's Llama keeps the torch path: its
own time (seconds on a CPU) dwarfs the import, and an fp32 ONNX copy of an 1B-8B LLM would cost 5-32 GB of disk.
"""
