<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>DetailView</name>
    <message>
        <location filename="../detail_view.py" line="57" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="57" />
        <source>Taken</source>
        <translation>拍摄时间</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="57" />
        <source>Camera</source>
        <translation>相机</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="58" />
        <source>Dimensions</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="58" />
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="59" />
        <source>Similarity</source>
        <translation>相似度</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="59" />
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="59" />
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="66" />
        <source>← Back to results</source>
        <translation>← 返回结果</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="67" />
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="68" />
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="69" />
        <source>Copy path</source>
        <translation>复制路径</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="70" />
        <source>Find similar</source>
        <translation>查找相似</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="71" />
        <source>Copy text</source>
        <translation>复制文字</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="73" />
        <source>Put the words read in this photo on the clipboard</source>
        <translation>将此照片中识别出的文字复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="83" />
        <location filename="../detail_view.py" line="155" />
        <location filename="../detail_view.py" line="158" />
        <source>Text in photo</source>
        <translation>照片中的文字</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="118" />
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="124" />
        <location filename="../detail_view.py" line="133" />
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="134" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="136" />
        <source>(file date)</source>
        <translation>（文件日期）</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="142" />
        <source>The file is missing</source>
        <translation>文件已不存在</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="143" />
        <source>This photo cannot be shown: {0}</source>
        <translation>无法显示此照片：{0}</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="159" />
        <source>Text in photo: not read yet</source>
        <translation>照片中的文字：尚未读取</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="160" />
        <source>Text in photo: could not be read</source>
        <translation>照片中的文字：无法读取</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="161" />
        <source>Text in photo: none</source>
        <translation>照片中的文字：无</translation>
    </message>
</context>
<context>
    <name>DownloadPage</name>
    <message>
        <location filename="../first_run.py" line="147" />
        <source>Getting the model</source>
        <translation>获取模型</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="152" />
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="153" />
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="193" />
        <source>Checking for {0} ({1:.1f} GB)…</source>
        <translation>正在检查 {0}（{1:.1f} GB）…</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="213" />
        <source>Downloading {0}: {1:.2f} of {2:.2f} GB, file {3} of {4}</source>
        <translation>正在下载 {0}：{1:.2f} / {2:.2f} GB，第 {3} 个文件，共 {4} 个</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="224" />
        <source>The model is ready. Press Finish to start indexing; you can search while it runs.</source>
        <translation>模型已就绪。点击“完成”开始建立索引；建立索引时即可搜索。</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="227" />
        <source>Download cancelled. Files already fetched are kept: Retry resumes.</source>
        <translation>下载已取消。已下载的文件会保留：点击“重试”继续。</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="233" />
        <source>The model cannot be downloaded: {0}</source>
        <translation>无法下载模型：{0}</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="241" />
        <source>(all of them)</source>
        <translation>（全部）</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="243" />
        <source>PhotoSearch could not reach the Hugging Face Hub to download the model. It needs these files from {0} (revision {1}): {2}.

Connect to the internet and press Retry. Or download those files on another computer from https://huggingface.co/{0}, put them in one folder (an LLM2CLIP text model in a subfolder), then go Back and choose “Use a local model folder”.</source>
        <translation>PhotoSearch 无法连接 Hugging Face Hub 来下载模型。需要来自 {0}（版本 {1}）的这些文件：{2}。

请连接互联网后点击“重试”。或者在另一台电脑上从 https://huggingface.co/{0} 下载这些文件，放进同一个文件夹（LLM2CLIP 文本模型放在子文件夹中），然后返回并选择“使用本地模型文件夹”。</translation>
    </message>
</context>
<context>
    <name>ExampleChip</name>
    <message>
        <location filename="../query_box.py" line="88" />
        <source>Stop searching by this photo</source>
        <translation>不再按此照片搜索</translation>
    </message>
    <message>
        <location filename="../query_box.py" line="89" />
        <source>Remove example photo</source>
        <translation>移除示例照片</translation>
    </message>
    <message>
        <location filename="../query_box.py" line="99" />
        <source>Searching by {0}; text you type refines it</source>
        <translation>正在按 {0} 搜索；输入文字可进一步细化</translation>
    </message>
</context>
<context>
    <name>FiltersBar</name>
    <message>
        <location filename="../filters_bar.py" line="33" />
        <location filename="../filters_bar.py" line="57" />
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="36" />
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="36" />
        <source>Until</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="39" />
        <source>Any camera</source>
        <translation>任意相机</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="41" />
        <source>Camera</source>
        <translation>相机</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="43" />
        <source>File type</source>
        <translation>文件类型</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="45" />
        <source>Best match</source>
        <translation>最佳匹配</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="46" />
        <source>Newest first</source>
        <translation>最新优先</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="47" />
        <location filename="../filters_bar.py" line="58" />
        <source>Sort</source>
        <translation>排序</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="51" />
        <source>Hide results scoring below this share of the best result's score</source>
        <translation>隐藏得分低于最佳结果此比例的结果</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="52" />
        <source>Relevance cut-off</source>
        <translation>相关性阈值</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="59" />
        <source>Cut-off</source>
        <translation>阈值</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="80" />
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="89" />
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="95" />
        <source>All folders</source>
        <translation>所有文件夹</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="96" />
        <source>All types</source>
        <translation>所有类型</translation>
    </message>
</context>
<context>
    <name>FinetuneWindow</name>
    <message>
        <location filename="../finetune_window.py" line="54" />
        <source>Fine-tune a model</source>
        <translation>微调模型</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="66" />
        <source>A folder of photos with captions, or a CSV/JSONL list</source>
        <translation>带说明文字的照片文件夹，或 CSV/JSONL 列表</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="68" />
        <location filename="../finetune_window.py" line="86" />
        <location filename="../finetune_window.py" line="93" />
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="70" />
        <source>List file…</source>
        <translation>列表文件…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="72" />
        <source>Captions are read from .txt files beside the photos, XMP, EXIF or IPTC descriptions, or a CSV/JSONL list (path, caption[, short caption]).</source>
        <translation>说明文字读取自照片旁的 .txt 文件、XMP、EXIF 或 IPTC 描述，或 CSV/JSONL 列表（路径、说明[、简短说明]）。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="76" />
        <source>Long-CLIP: long captions, keeps short ones working</source>
        <translation>Long-CLIP：长说明，短说明依然可用</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="77" />
        <source>LLM2CLIP stage 2: align photos with the language model</source>
        <translation>LLM2CLIP 第 2 阶段：让照片与语言模型对齐</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="79" />
        <source>LLM2CLIP stage 1: teach the language model your captions</source>
        <translation>LLM2CLIP 第 1 阶段：让语言模型学习您的说明</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="99" />
        <source>Album</source>
        <translation>相册</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="101" />
        <source>Recipe</source>
        <translation>方法</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="103" />
        <source>Start from</source>
        <translation>起始模型</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="104" />
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="105" />
        <source>Save to</source>
        <translation>保存到</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="106" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="114" />
        <source>before R@1</source>
        <translation>之前 R@1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="114" />
        <source>after R@1</source>
        <translation>之后 R@1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="119" />
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="122" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="125" />
        <source>Search with this model</source>
        <translation>用此模型搜索</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="128" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="155" />
        <source>Trains both towers of a Long-CLIP (or any 77-token CLIP, stretched to 248 tokens) on your long captions. A GPU with 16 GB or more; a CPU only for small albums and patience.</source>
        <translation>用您的长说明训练 Long-CLIP 的两个塔（或任何 77 个词元的 CLIP，扩展到 248 个）。需要 16 GB 以上显存的 GPU；CPU 只适合小相册，且需要耐心。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="158" />
        <source>Trains the image tower and the adaptor; the language model's caption vectors are computed once and cached. Start from an LLM2CLIP model or a stage-1 result. A 24 GB GPU for the 1B pair.</source>
        <translation>训练图像塔和适配器；语言模型的说明向量只计算一次并缓存。从 LLM2CLIP 模型或第 1 阶段的结果开始。1B 组合需要 24 GB 显存的 GPU。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="161" />
        <source>Adapts the language model (LoRA) to tell your captions apart; follow it with stage 2 so photos match again. A 24 GB GPU for the 1B model.</source>
        <translation>用 LoRA 调整语言模型，使其能区分您的说明；之后运行第 2 阶段，让照片重新对齐。1B 模型需要 24 GB 显存的 GPU。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="174" />
        <source>Album folder</source>
        <translation>相册文件夹</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="180" />
        <source>Caption list</source>
        <translation>说明列表</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="181" />
        <source>Caption lists (*.csv *.tsv *.jsonl)</source>
        <translation>说明列表 (*.csv *.tsv *.jsonl)</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="187" />
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="193" />
        <source>Save the run in</source>
        <translation>将训练保存到</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="201" />
        <source>Reading the album…</source>
        <translation>正在读取相册…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="226" />
        <source>Known once the album is read.</source>
        <translation>读取相册后可知。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="239" />
        <source>About %1 on this computer (a rough figure; the progress below measures the real one).</source>
        <translation>在这台电脑上约需 %1（粗略估计；下方进度会测出实际时间）。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="242" />
        <source>Measured in the first minute of training (shown below).</source>
        <translation>在训练的第一分钟内测出（显示在下方）。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="252" />
        <source>Choose an album, a model to start from and a folder to save in.</source>
        <translation>请选择相册、起始模型和保存文件夹。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="265" />
        <source>Resuming…</source>
        <translation>正在继续…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="265" />
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="278" />
        <source>Stopping after this step…</source>
        <translation>将在此步后停止…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="299" />
        <source>, about %1 left</source>
        <translation>，约剩 %1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="300" />
        <source>, loss %1</source>
        <translation>，损失 %1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="301" />
        <source>Training: step %1 of %2</source>
        <translation>训练：第 %1 步，共 %2 步</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="305" />
        <source>Measuring recall on the held-out photos…</source>
        <translation>正在用预留照片测量召回率…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="309" />
        <source>Downloading the model: %1 of %2 MB</source>
        <translation>正在下载模型：%1 / %2 MB</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="314" />
        <source>Computing caption vectors once: %1 of %2</source>
        <translation>正在一次性计算说明向量：%1 / %2</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="318" />
        <source>Loading the model and the album…</source>
        <translation>正在加载模型和相册…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="325" />
        <source>Stopped at step %1. Start again to resume from there.</source>
        <translation>已在第 %1 步停止。再次开始即可从那里继续。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="331" />
        <source> %1 steps were skipped (non-finite loss).</source>
        <translation> 跳过了 %1 步（损失值非有限）。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="333" />
        <source>Done. The model is in %1.</source>
        <translation>完成。模型位于 %1。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="358" />
        <source>The library now searches with the new model; it indexes your photos with it in the background.</source>
        <translation>照片库现在使用新模型搜索；新模型会在后台为您的照片建立索引。</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="363" />
        <source>Stop fine-tuning?</source>
        <translation>停止微调？</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="364" />
        <source>Training stops after the current step; start the same run again to resume it.</source>
        <translation>训练会在当前步骤后停止；再次开始同一训练即可继续。</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location filename="../first_run.py" line="258" />
        <source>Welcome to PhotoSearch</source>
        <translation>欢迎使用 PhotoSearch</translation>
    </message>
</context>
<context>
    <name>FoldersPage</name>
    <message>
        <location filename="../first_run.py" line="52" />
        <source>Your photos</source>
        <translation>您的照片</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="53" />
        <source>Choose the folders PhotoSearch should search. Photos stay where they are; PhotoSearch only reads them.</source>
        <translation>选择 PhotoSearch 要搜索的文件夹。照片保留在原处，PhotoSearch 只会读取它们。</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="56" />
        <source>Folders to search</source>
        <translation>要搜索的文件夹</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="57" />
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="57" />
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="86" />
        <source>Add a folder of photos</source>
        <translation>添加照片文件夹</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="99" />
        <source>Counting photos…</source>
        <translation>正在统计照片…</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="108" />
        <source>{0:,} photos found</source>
        <translation>找到 {0:,} 张照片</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="108" />
        <source>At least {0:,} photos found</source>
        <translation>至少找到 {0:,} 张照片</translation>
    </message>
</context>
<context>
    <name>LibraryPanel</name>
    <message>
        <location filename="../library_panel.py" line="53" />
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="53" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="58" />
        <source>Library folders</source>
        <translation>照片库文件夹</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="60" />
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="62" />
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="68" />
        <location filename="../library_panel.py" line="186" />
        <source>Not indexing</source>
        <translation>未在建立索引</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="73" />
        <location filename="../library_panel.py" line="172" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="77" />
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="91" />
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="91" />
        <source>Why it was skipped</source>
        <translation>跳过原因</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="93" />
        <source>Files that could not be read</source>
        <translation>无法读取的文件</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="126" />
        <source>indexed / found</source>
        <translation>已索引 / 已找到</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="128" />
        <source>excluded: {0}</source>
        <translation>已排除：{0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="141" />
        <source>{0} files could not be read:</source>
        <translation>有 {0} 个文件无法读取：</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="146" />
        <source>Adding a second model; searches use the current one until it is done.</source>
        <translation>正在添加第二个模型；完成之前搜索仍使用当前模型。</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="155" />
        <source>Words in photos are not read here: {0}</source>
        <translation>此处不读取照片中的文字：{0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="156" />
        <source>Text: {0:,} of {1:,} photos read, {2:,} with text</source>
        <translation>文字：已读取 {1:,} 张照片中的 {0:,} 张，{2:,} 张含文字</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="160" />
        <source>reading is turned off in Settings</source>
        <translation>已在设置中关闭读取</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="172" />
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="175" />
        <source>another program</source>
        <translation>另一个程序</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="176" />
        <source>Kept up to date by {0}.</source>
        <translation>由 {0} 保持最新。</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="179" />
        <source>Indexing stopped: {0}</source>
        <translation>建立索引已停止：{0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="182" />
        <source>Paused. New and changed photos wait until you resume.</source>
        <translation>已暂停。新的和修改过的照片将等待您继续。</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="184" />
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="196" />
        <source>Downloading the model: file {0} of {1}</source>
        <translation>正在下载模型：第 {0} 个文件，共 {1} 个</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="203" />
        <source>Looking for new and changed photos: {0:,} files</source>
        <translation>正在查找新的和修改过的照片：{0:,} 个文件</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="218" />
        <source>Adding the new model</source>
        <translation>正在添加新模型</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="218" />
        <source>Indexing</source>
        <translation>正在建立索引</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="219" />
        <source>{0}: {1:,} of {2:,} photos</source>
        <translation>{0}：{1:,} / {2:,} 张照片</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="221" />
        <location filename="../library_panel.py" line="239" />
        <source>{0:.1f} photos/s</source>
        <translation>{0:.1f} 张/秒</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="223" />
        <location filename="../library_panel.py" line="241" />
        <source>about {0} left</source>
        <translation>约剩 {0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="158" />
        <location filename="../library_panel.py" line="225" />
        <location filename="../library_panel.py" line="227" />
        <source>{0} skipped</source>
        <translation>跳过 {0} 张</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="212" />
        <location filename="../library_panel.py" line="227" />
        <source>Up to date.</source>
        <translation>已是最新。</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="237" />
        <source>Reading words in photos: {0:,} of {1:,}</source>
        <translation>正在读取照片中的文字：{0:,} / {1:,}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="254" />
        <source>Add a folder of photos</source>
        <translation>添加照片文件夹</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="273" />
        <source>Exclude a subfolder…</source>
        <translation>排除子文件夹…</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="274" />
        <source>Remove from the library</source>
        <translation>从照片库中移除</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="276" />
        <source>Include again</source>
        <translation>重新包含</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="280" />
        <source>Choose a subfolder to skip</source>
        <translation>选择要跳过的子文件夹</translation>
    </message>
</context>
<context>
    <name>LossPlot</name>
    <message>
        <location filename="../loss_plot.py" line="21" />
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../loss_plot.py" line="54" />
        <source>The loss appears here once training runs</source>
        <translation>训练开始后，损失曲线显示在这里</translation>
    </message>
    <message>
        <location filename="../loss_plot.py" line="81" />
        <source>step %1 of %2</source>
        <translation>第 %1 步，共 %2 步</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="74" />
        <source>Library</source>
        <translation>照片库</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="121" />
        <source>The text model was freed after being idle; the next search loads it again.</source>
        <translation>文本模型空闲后已释放；下次搜索会重新加载。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="140" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="142" />
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="143" />
        <source>Search by photo…</source>
        <translation>按照片搜索…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="144" />
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="145" />
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="152" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="154" />
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="158" />
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="159" />
        <source>Fine-tune a model…</source>
        <translation>微调模型…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="160" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="161" />
        <location filename="../main_window.py" line="316" />
        <source>About PhotoSearch</source>
        <translation>关于 PhotoSearch</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="211" />
        <source>Search by photo</source>
        <translation>按照片搜索</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="211" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="269" />
        <source>Remove folder</source>
        <translation>移除文件夹</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="270" />
        <source>Remove {0} from the library? The photos stay on disk; only the index forgets them.</source>
        <translation>要从照片库中移除 {0} 吗？照片仍保留在磁盘上，只是索引不再记录它们。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="281" />
        <source>{0:,} photos indexed</source>
        <translation>已索引 {0:,} 张照片</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="281" />
        <source>No folders yet</source>
        <translation>尚无文件夹</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="291" />
        <source>Loading the text model…</source>
        <translation>正在加载文本模型…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="292" />
        <source>Loading the image model…</source>
        <translation>正在加载图像模型…</translation>
    </message>
    <message>
        <location filename="../settings_flow.py" line="91" />
        <source>Removed the model {0} and its vectors.</source>
        <translation>已移除模型 {0} 及其向量。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="317" />
        <source>PhotoSearch finds photos in your own library from a description, a whole paragraph in any language, with LLM2CLIP and Long-CLIP. Everything runs on this computer.</source>
        <translation>PhotoSearch 借助 LLM2CLIP 和 Long-CLIP，根据描述（任何语言的一整段文字）在您自己的照片库中找到照片。一切都在这台电脑上运行。</translation>
    </message>
</context>
<context>
    <name>ModelPage</name>
    <message>
        <location filename="../first_run.py" line="117" />
        <source>Search model</source>
        <translation>搜索模型</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="118" />
        <source>The model reads your descriptions and your photos. You can change it later in Settings.</source>
        <translation>模型会读取您的描述和照片。之后可以在设置中更改。</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <location filename="../model_picker.py" line="39" />
        <location filename="../model_picker.py" line="105" />
        <source>Checking this computer…</source>
        <translation>正在检查这台电脑…</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="61" />
        <source>A local model folder</source>
        <translation>本地模型文件夹</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="66" />
        <source>Use a local model folder…</source>
        <translation>使用本地模型文件夹…</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="67" />
        <source>A fine-tuned model, or a released model's files downloaded by hand</source>
        <translation>微调过的模型，或手动下载的已发布模型文件</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="89" />
        <source>A local model: {0}</source>
        <translation>本地模型：{0}</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="108" />
        <source>This computer has no GPU PhotoSearch can use, so indexing runs on the processor. The LLM2CLIP models read the longest and most multilingual queries but need hours for every 10,000 photos here; the faster models below index the same photos in minutes.</source>
        <translation>这台电脑没有 PhotoSearch 可用的 GPU，因此建立索引会在处理器上运行。LLM2CLIP 模型能读取最长、语言最多的查询，但在这里每 10,000 张照片需要数小时；下面更快的模型只需几分钟即可为同样的照片建立索引。</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="112" />
        <source>This computer has a GPU ({0}): every model indexes quickly.</source>
        <translation>这台电脑有 GPU（{0}）：每个模型都能快速建立索引。</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="117" />
        <source>any language</source>
        <translation>任何语言</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="117" />
        <source>English only</source>
        <translation>仅英语</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="118" />
        <source>queries of up to {0} words</source>
        <translation>查询最多 {0} 个词</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="119" />
        <source>{0:.1f} GB download</source>
        <translation>下载 {0:.1f} GB</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="122" />
        <source>about {0} to index your {1:,} photos here</source>
        <translation>在这里为您的 {1:,} 张照片建立索引约需 {0}</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="124" />
        <source>{0} per 10,000 photos</source>
        <translation>每 10,000 张照片 {0}</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="126" />
        <source>needs a GPU</source>
        <translation>需要 GPU</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="128" />
        <source>recommended for this computer</source>
        <translation>推荐用于这台电脑</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="136" />
        <source>★ {0}: with a GPU the LLM2CLIP models index quickly and read the longest queries, in any language</source>
        <translation>★ {0}：有 GPU 时，LLM2CLIP 模型索引很快，并能理解最长的任意语言查询</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="140" />
        <source>★ {0}: without a GPU it indexes 10,000 photos in about {1} and reads queries in any language; LLM2CLIP would take most of a day, Long-CLIP reads English only</source>
        <translation>★ {0}：没有 GPU 时，它约 {1} 即可索引 10,000 张照片，并能理解任意语言的查询；LLM2CLIP 需要将近一天，Long-CLIP 只懂英语</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="143" />
        <source>★ {0}: the fastest model on this computer</source>
        <translation>★ {0}：这台电脑上最快的模型</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="146" />
        <source>Choose a model folder</source>
        <translation>选择模型文件夹</translation>
    </message>
</context>
<context>
    <name>QueryBox</name>
    <message>
        <location filename="../query_box.py" line="36" />
        <source>Describe the photo you are looking for, in any language and as long as you like: “the kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon”</source>
        <translation>用任何语言、随意详细地描述您要找的照片：“穿黄色雨衣的孩子在红色自行车旁跳进水坑，傍晚”</translation>
    </message>
    <message>
        <location filename="../query_box.py" line="40" />
        <source>Search query</source>
        <translation>搜索内容</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../results_model.py" line="88" />
        <source>unknown date</source>
        <translation>日期未知</translation>
    </message>
    <message>
        <location filename="../results_model.py" line="89" />
        <source>{0}
{1} · similarity {2:.3f}</source>
        <translation>{0}
{1} · 相似度 {2:.3f}</translation>
    </message>
    <message>
        <location filename="../results_model.py" line="91" />
        <source>Words in the photo: {0}</source>
        <translation>照片中的文字：{0}</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <location filename="../search_panel.py" line="55" />
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="59" />
        <source>Counted in the model's word pieces; long or rare words count as several</source>
        <translation>按模型的词片计数；较长或少见的词会算作多个</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="85" />
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="99" />
        <source>Add a folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="149" />
        <source>{0:,} photos</source>
        <translation>{0:,} 张照片</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="149" />
        <source>1 photo</source>
        <translation>1 张照片</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="152" />
        <source>Your description has {0} words; the model reads the first {1}, so the rest did not count.</source>
        <translation>您的描述有 {0} 个词；模型只读取前 {1} 个，其余部分未被计入。</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="165" />
        <source>{0} / {1} words</source>
        <translation>{0} / {1} 个词</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="168" />
        <source>Only the first {0} words will be read; the rest of your description will not count.</source>
        <translation>只会读取前 {0} 个词；描述的其余部分不会被计入。</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="177" />
        <source>Add a folder of photos to start searching.</source>
        <translation>添加一个照片文件夹即可开始搜索。</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="178" />
        <source>Your photos are being indexed. You can search already: results appear as photos are indexed.</source>
        <translation>正在为您的照片建立索引。现在就可以搜索：照片建立索引后即会出现在结果中。</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="180" />
        <source>Describe a photo above, in any language and in as much detail as you like, or drop a photo here to find similar ones.</source>
        <translation>在上方用任何语言、尽可能详细地描述一张照片，或把照片拖到这里来查找相似的照片。</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="182" />
        <source>No photos match. Try fewer filters or a lower cut-off.</source>
        <translation>没有匹配的照片。请减少筛选条件或降低阈值。</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="220" />
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="220" />
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="221" />
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="221" />
        <source>Copy path</source>
        <translation>复制路径</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="222" />
        <source>Find similar photos</source>
        <translation>查找相似照片</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../settings_dialog.py" line="44" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="53" />
        <source>Automatic (GPU when there is one)</source>
        <translation>自动（有 GPU 时使用 GPU）</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="53" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="54" />
        <source>CPU, int8 (faster, slightly less exact)</source>
        <translation>CPU，int8（更快，精度略低）</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="55" />
        <source>NVIDIA GPU (CUDA)</source>
        <translation>NVIDIA GPU（CUDA）</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="55" />
        <source>Apple GPU (Metal)</source>
        <translation>Apple GPU（Metal）</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="61" />
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="62" />
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="69" />
        <source>Read words inside photos</source>
        <translation>读取照片中的文字</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="71" />
        <source>Find receipts, signs, screenshots and slides by the text in them. Words are read after indexing, at a lower priority; changing this restarts indexing, and every program indexing this library follows it.</source>
        <translation>按照片中的文字查找收据、招牌、截图和幻灯片。文字在建立索引之后以较低优先级读取；更改此项会重新开始建立索引，所有为此照片库建立索引的程序都会遵循此设置。</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="77" />
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="78" />
        <source>Free the text model after</source>
        <translation>文本模型空闲释放时间</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="79" />
        <source>Thumbnail cache</source>
        <translation>缩略图缓存</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="80" />
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="81" />
        <source>A new model indexes your photos beside the current one; searches keep using the current model until it is done. A new device takes effect at the next start.</source>
        <translation>新模型会在当前模型之外为您的照片建立索引；完成之前搜索仍使用当前模型。新的设备设置在下次启动时生效。</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="85" />
        <location filename="../settings_dialog.py" line="107" />
        <source>Models in this library</source>
        <translation>此照片库中的模型</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="87" />
        <source>Remove model…</source>
        <translation>移除模型…</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="88" />
        <source>Forget this model and its vectors (the photos stay indexed for the others)</source>
        <translation>删除此模型及其向量（照片仍为其他模型保留索引）</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="93" />
        <source>{0} · {1:,} photos embedded</source>
        <translation>{0} · 已嵌入 {1:,} 张照片</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="104" />
        <source>Search model</source>
        <translation>搜索模型</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="123" />
        <source>Remove the model {0} and its vectors of {1:,} photos from this library? The photos stay on disk, and indexed for the other models.</source>
        <translation>要从此照片库中移除模型 {0} 及其 {1:,} 张照片的向量吗？照片仍保留在磁盘上，并为其他模型保留索引。</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="126" />
        <source>It is the only model with vectors: nothing can be searched until every photo is embedded again with another model.</source>
        <translation>这是唯一带有向量的模型：在用另一个模型重新嵌入所有照片之前，将无法搜索。</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="128" />
        <source>Remove model</source>
        <translation>移除模型</translation>
    </message>
</context>
<context>
    <name>TileDelegate</name>
    <message>
        <location filename="../tile_delegate.py" line="100" />
        <source>File missing</source>
        <translation>文件丢失</translation>
    </message>
    <message>
        <location filename="../tile_delegate.py" line="100" />
        <source>Cannot show</source>
        <translation>无法显示</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <location filename="../app.py" line="53" />
        <source>This library was made by a newer version of PhotoSearch, so this version leaves it untouched. Update PhotoSearch to use it.

{0}</source>
        <translation>此照片库由更新版本的 PhotoSearch 创建，因此本版本不会改动它。请更新 PhotoSearch 后再使用。

{0}</translation>
    </message>
    <message>
        <location filename="../app.py" line="58" />
        <source>The library cannot be opened.

{0}</source>
        <translation>无法打开照片库。

{0}</translation>
    </message>
</context>
</TS>