"""Fill `photosearch_{de,zh_CN}.ts` from the table below and compile them with `pyside6-lrelease`.

    pyside6-lupdate -no-obsolete ui/*.py -ts ui/i18n/photosearch_de.ts ui/i18n/photosearch_zh_CN.ts
    python ui/i18n/fill_translations.py

A string the table lacks stays "unfinished" and the test `test_every_visible_string_is_translated` names it.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).parent

T: dict[str, tuple[str, str]] = {
    "Name": ("Name", "名称"),
    "CPU": ("CPU", "CPU"),
    "CPU, int8 (faster, slightly less exact)": ("CPU, int8 (schneller, etwas ungenauer)", "CPU，int8（更快，精度略低）"),
    "NVIDIA GPU (CUDA)": ("NVIDIA-GPU (CUDA)", "NVIDIA GPU（CUDA）"),
    "Apple GPU (Metal)": ("Apple-GPU (Metal)", "Apple GPU（Metal）"),
    "Taken": ("Aufgenommen", "拍摄时间"),
    "Camera": ("Kamera", "相机"),
    "Dimensions": ("Abmessungen", "尺寸"),
    "File size": ("Dateigröße", "文件大小"),
    "Similarity": ("Ähnlichkeit", "相似度"),
    "Location": ("Ort", "位置"),
    "Path": ("Pfad", "路径"),
    "\u2190 Back to results": ("\u2190 Zurück zu den Ergebnissen", "\u2190 返回结果"),
    "Open": ("Öffnen", "打开"),
    "Show in folder": ("Im Ordner zeigen", "在文件夹中显示"),
    "Copy path": ("Pfad kopieren", "复制路径"),
    "Find similar": ("Ähnliche finden", "查找相似"),
    "Loading\u2026": ("Wird geladen\u2026", "正在加载\u2026"),
    "unknown": ("unbekannt", "未知"),
    "none": ("keiner", "无"),
    "(file date)": ("(Dateidatum)", "（文件日期）"),
    "The file is missing": ("Die Datei fehlt", "文件已不存在"),
    "This photo cannot be shown: {0}": ("Dieses Foto kann nicht angezeigt werden: {0}", "无法显示此照片：{0}"),
    "Getting the model": ("Modell wird geholt", "获取模型"),
    "Cancel download": ("Download abbrechen", "取消下载"),
    "Retry": ("Erneut versuchen", "重试"),
    "Checking for {0} ({1:.1f} GB)\u2026": ("{0} wird gesucht ({1:.1f} GB)\u2026", "正在检查 {0}（{1:.1f} GB）\u2026"),
    "Downloading {0}: {1:.2f} of {2:.2f} GB, file {3} of {4}": (
        "{0} wird heruntergeladen: {1:.2f} von {2:.2f} GB, Datei {3} von {4}",
        "正在下载 {0}：{1:.2f} / {2:.2f} GB，第 {3} 个文件，共 {4} 个"),
    "The model is ready. Press Finish to start indexing; you can search while it runs.": (
        "Das Modell ist bereit. Mit „Fertigstellen“ beginnt die Indizierung; Sie können währenddessen schon suchen.",
        "模型已就绪。点击“完成”开始建立索引；建立索引时即可搜索。"),
    "Download cancelled. Files already fetched are kept: Retry resumes.": (
        "Download abgebrochen. Bereits geladene Dateien bleiben erhalten: „Erneut versuchen“ setzt fort.",
        "下载已取消。已下载的文件会保留：点击“重试”继续。"),
    "The model cannot be downloaded: {0}": ("Das Modell kann nicht heruntergeladen werden: {0}", "无法下载模型：{0}"),
    "(all of them)": ("(alle)", "（全部）"),
    ("PhotoSearch could not reach the Hugging Face Hub to download the model. It needs these files from {0} "
     "(revision {1}): {2}.\n\nConnect to the internet and press Retry. Or download those files on another "
     "computer from https://huggingface.co/{0}, put them in one folder (an LLM2CLIP text model in a subfolder), "
     "then go Back and choose \u201cUse a local model folder\u201d."): (
        "PhotoSearch konnte den Hugging Face Hub nicht erreichen, um das Modell herunterzuladen. Es braucht diese "
        "Dateien aus {0} (Revision {1}): {2}.\n\nVerbinden Sie sich mit dem Internet und wählen Sie „Erneut "
        "versuchen“. Oder laden Sie die Dateien auf einem anderen Computer von https://huggingface.co/{0} herunter, "
        "legen Sie sie in einen Ordner (ein LLM2CLIP-Textmodell in einen Unterordner), gehen Sie zurück und wählen "
        "Sie „Lokalen Modellordner verwenden“.",
        "PhotoSearch 无法连接 Hugging Face Hub 来下载模型。需要来自 {0}（版本 {1}）的这些文件：{2}。\n\n"
        "请连接互联网后点击“重试”。或者在另一台电脑上从 https://huggingface.co/{0} 下载这些文件，放进同一个文件夹"
        "（LLM2CLIP 文本模型放在子文件夹中），然后返回并选择“使用本地模型文件夹”。"),
    "Stop searching by this photo": ("Nicht mehr nach diesem Foto suchen", "不再按此照片搜索"),
    "Remove example photo": ("Beispielfoto entfernen", "移除示例照片"),
    "Searching by {0}; text you type refines it": (
        "Suche nach {0}; eingegebener Text verfeinert sie", "正在按 {0} 搜索；输入文字可进一步细化"),
    "Folder": ("Ordner", "文件夹"),
    "From": ("Von", "从"),
    "Until": ("Bis", "到"),
    "Any camera": ("Jede Kamera", "任意相机"),
    "File type": ("Dateityp", "文件类型"),
    "Best match": ("Beste Treffer", "最佳匹配"),
    "Newest first": ("Neueste zuerst", "最新优先"),
    "Sort": ("Sortierung", "排序"),
    "Hide results scoring below this share of the best result's score": (
        "Ergebnisse ausblenden, deren Wert unter diesem Anteil des besten Ergebnisses liegt",
        "隐藏得分低于最佳结果此比例的结果"),
    "Relevance cut-off": ("Relevanzschwelle", "相关性阈值"),
    "Cut-off": ("Schwelle", "阈值"),
    "any": ("beliebig", "不限"),
    "off": ("aus", "关"),
    "All folders": ("Alle Ordner", "所有文件夹"),
    "All types": ("Alle Typen", "所有类型"),
    "Welcome to PhotoSearch": ("Willkommen bei PhotoSearch", "欢迎使用 PhotoSearch"),
    "Your photos": ("Ihre Fotos", "您的照片"),
    "Choose the folders PhotoSearch should search. Photos stay where they are; PhotoSearch only reads them.": (
        "Wählen Sie die Ordner, die PhotoSearch durchsuchen soll. Die Fotos bleiben, wo sie sind; PhotoSearch liest "
        "sie nur.", "选择 PhotoSearch 要搜索的文件夹。照片保留在原处，PhotoSearch 只会读取它们。"),
    "Folders to search": ("Zu durchsuchende Ordner", "要搜索的文件夹"),
    "Add folder\u2026": ("Ordner hinzufügen\u2026", "添加文件夹\u2026"),
    "Remove": ("Entfernen", "移除"),
    "Add a folder of photos": ("Einen Fotoordner hinzufügen", "添加照片文件夹"),
    "Counting photos\u2026": ("Fotos werden gezählt\u2026", "正在统计照片\u2026"),
    "{0:,} photos found": ("{0:,} Fotos gefunden", "找到 {0:,} 张照片"),
    "At least {0:,} photos found": ("Mindestens {0:,} Fotos gefunden", "至少找到 {0:,} 张照片"),
    "Photos": ("Fotos", "照片"),
    "Library folders": ("Ordner der Bibliothek", "照片库文件夹"),
    "Not indexing": ("Keine Indizierung", "未在建立索引"),
    "Pause": ("Pause", "暂停"),
    "File": ("Datei", "文件"),
    "Why it was skipped": ("Warum sie übersprungen wurde", "跳过原因"),
    "Files that could not be read": ("Dateien, die nicht gelesen werden konnten", "无法读取的文件"),
    "indexed / found": ("indiziert / gefunden", "已索引 / 已找到"),
    "excluded: {0}": ("ausgeschlossen: {0}", "已排除：{0}"),
    "{0} files could not be read:": ("{0} Dateien konnten nicht gelesen werden:", "有 {0} 个文件无法读取："),
    "Adding a second model; searches use the current one until it is done.": (
        "Ein zweites Modell wird hinzugefügt; bis es fertig ist, sucht das bisherige.",
        "正在添加第二个模型；完成之前搜索仍使用当前模型。"),
    "Resume": ("Fortsetzen", "继续"),
    "another program": ("ein anderes Programm", "另一个程序"),
    "Kept up to date by {0}.": ("Wird von {0} aktuell gehalten.", "由 {0} 保持最新。"),
    "Indexing stopped: {0}": ("Indizierung angehalten: {0}", "建立索引已停止：{0}"),
    "Paused. New and changed photos wait until you resume.": (
        "Pausiert. Neue und geänderte Fotos warten, bis Sie fortsetzen.", "已暂停。新的和修改过的照片将等待您继续。"),
    "Starting\u2026": ("Wird gestartet\u2026", "正在启动\u2026"),
    "Downloading the model: file {0} of {1}": ("Modell wird heruntergeladen: Datei {0} von {1}", "正在下载模型：第 {0} 个文件，共 {1} 个"),
    "Looking for new and changed photos: {0:,} files": (
        "Suche nach neuen und geänderten Fotos: {0:,} Dateien", "正在查找新的和修改过的照片：{0:,} 个文件"),
    "Adding the new model": ("Neues Modell wird hinzugefügt", "正在添加新模型"),
    "Indexing": ("Indizierung", "正在建立索引"),
    "{0}: {1:,} of {2:,} photos": ("{0}: {1:,} von {2:,} Fotos", "{0}：{1:,} / {2:,} 张照片"),
    "{0:.1f} photos/s": ("{0:.1f} Fotos/s", "{0:.1f} 张/秒"),
    "about {0} left": ("noch etwa {0}", "约剩 {0}"),
    "{0} skipped": ("{0} übersprungen", "跳过 {0} 张"),
    "Up to date.": ("Auf dem neuesten Stand.", "已是最新。"),
    "Exclude a subfolder\u2026": ("Unterordner ausschließen\u2026", "排除子文件夹\u2026"),
    "Remove from the library": ("Aus der Bibliothek entfernen", "从照片库中移除"),
    "Include again": ("Wieder einschließen", "重新包含"),
    "Choose a subfolder to skip": ("Einen Unterordner zum Überspringen wählen", "选择要跳过的子文件夹"),
    "Library": ("Bibliothek", "照片库"),
    "The text model was freed after being idle; the next search loads it again.": (
        "Das Textmodell wurde nach Leerlauf freigegeben; die nächste Suche lädt es wieder.",
        "文本模型空闲后已释放；下次搜索会重新加载。"),
    "&File": ("&Datei", "文件(&F)"),
    "Search by photo\u2026": ("Nach Foto suchen\u2026", "按照片搜索\u2026"),
    "Settings\u2026": ("Einstellungen\u2026", "设置\u2026"),
    "Quit": ("Beenden", "退出"),
    "&View": ("&Ansicht", "视图(&V)"),
    "Find": ("Suchen", "查找"),
    "&Help": ("&Hilfe", "帮助(&H)"),
    "About PhotoSearch": ("Über PhotoSearch", "关于 PhotoSearch"),
    "Search by photo": ("Nach Foto suchen", "按照片搜索"),
    "Remove folder": ("Ordner entfernen", "移除文件夹"),
    "Remove {0} from the library? The photos stay on disk; only the index forgets them.": (
        "{0} aus der Bibliothek entfernen? Die Fotos bleiben auf der Festplatte; nur der Index vergisst sie.",
        "要从照片库中移除 {0} 吗？照片仍保留在磁盘上，只是索引不再记录它们。"),
    "{0:,} photos indexed": ("{0:,} Fotos indiziert", "已索引 {0:,} 张照片"),
    "No folders yet": ("Noch keine Ordner", "尚无文件夹"),
    "Loading the text model\u2026": ("Textmodell wird geladen\u2026", "正在加载文本模型\u2026"),
    "Loading the image model\u2026": ("Bildmodell wird geladen\u2026", "正在加载图像模型\u2026"),
    ("PhotoSearch finds photos in your own library from a description, a whole paragraph in any language, with "
     "LLM2CLIP and Long-CLIP. Everything runs on this computer."): (
        "PhotoSearch findet Fotos in Ihrer eigenen Bibliothek anhand einer Beschreibung – ein ganzer Absatz in jeder "
        "Sprache – mit LLM2CLIP und Long-CLIP. Alles läuft auf diesem Computer.",
        "PhotoSearch 借助 LLM2CLIP 和 Long-CLIP，根据描述（任何语言的一整段文字）在您自己的照片库中找到照片。"
        "一切都在这台电脑上运行。"),
    "Search model": ("Suchmodell", "搜索模型"),
    "The model reads your descriptions and your photos. You can change it later in Settings.": (
        "Das Modell liest Ihre Beschreibungen und Ihre Fotos. Sie können es später in den Einstellungen ändern.",
        "模型会读取您的描述和照片。之后可以在设置中更改。"),
    "Checking this computer\u2026": ("Dieser Computer wird geprüft\u2026", "正在检查这台电脑\u2026"),
    "A local model folder": ("Ein lokaler Modellordner", "本地模型文件夹"),
    "Use a local model folder\u2026": ("Lokalen Modellordner verwenden\u2026", "使用本地模型文件夹\u2026"),
    "A fine-tuned model, or a released model's files downloaded by hand": (
        "Ein feinabgestimmtes Modell oder die von Hand heruntergeladenen Dateien eines veröffentlichten Modells",
        "微调过的模型，或手动下载的已发布模型文件"),
    "A local model: {0}": ("Ein lokales Modell: {0}", "本地模型：{0}"),
    ("This computer has no GPU PhotoSearch can use, so indexing runs on the processor. The LLM2CLIP models read "
     "the longest and most multilingual queries but need hours for every 10,000 photos here; the faster models "
     "below index the same photos in minutes."): (
        "Dieser Computer hat keine GPU, die PhotoSearch nutzen kann, daher läuft die Indizierung auf dem Prozessor. "
        "Die LLM2CLIP-Modelle lesen die längsten und mehrsprachigsten Anfragen, brauchen hier aber Stunden für je "
        "10.000 Fotos; die schnelleren Modelle unten indizieren dieselben Fotos in Minuten.",
        "这台电脑没有 PhotoSearch 可用的 GPU，因此建立索引会在处理器上运行。LLM2CLIP 模型能读取最长、语言最多的"
        "查询，但在这里每 10,000 张照片需要数小时；下面更快的模型只需几分钟即可为同样的照片建立索引。"),
    "This computer has a GPU ({0}): every model indexes quickly.": (
        "Dieser Computer hat eine GPU ({0}): Jedes Modell indiziert schnell.", "这台电脑有 GPU（{0}）：每个模型都能快速建立索引。"),
    "any language": ("jede Sprache", "任何语言"),
    "English only": ("nur Englisch", "仅英语"),
    "queries of up to {0} words": ("Anfragen bis {0} Wörter", "查询最多 {0} 个词"),
    "{0:.1f} GB download": ("{0:.1f} GB Download", "下载 {0:.1f} GB"),
    "about {0} to index your {1:,} photos here": (
        "etwa {0}, um Ihre {1:,} Fotos hier zu indizieren", "在这里为您的 {1:,} 张照片建立索引约需 {0}"),
    "{0} per 10,000 photos": ("{0} je 10.000 Fotos", "每 10,000 张照片 {0}"),
    "needs a GPU": ("braucht eine GPU", "需要 GPU"),
    "recommended for this computer": ("für diesen Computer empfohlen", "推荐用于这台电脑"),
    "\u2605 {0}: with a GPU the LLM2CLIP models index quickly and read the longest queries, in any language": (
        "\u2605 {0}: Mit einer GPU indexieren die LLM2CLIP-Modelle schnell und verstehen die längsten Suchanfragen, "
        "in jeder Sprache",
        "\u2605 {0}：有 GPU 时，LLM2CLIP 模型索引很快，并能理解最长的任意语言查询"),
    "\u2605 {0}: without a GPU it indexes 10,000 photos in about {1} and reads queries in any language; LLM2CLIP "
    "would take most of a day, Long-CLIP reads English only": (
        "\u2605 {0}: Ohne GPU indexiert es 10.000 Fotos in etwa {1} und versteht Suchanfragen in jeder Sprache; "
        "LLM2CLIP bräuchte fast einen Tag, Long-CLIP versteht nur Englisch",
        "\u2605 {0}：没有 GPU 时，它约 {1} 即可索引 10,000 张照片，并能理解任意语言的查询；LLM2CLIP 需要将近一天，"
        "Long-CLIP 只懂英语"),
    "\u2605 {0}: the fastest model on this computer": (
        "\u2605 {0}: das schnellste Modell auf diesem Computer", "\u2605 {0}：这台电脑上最快的模型"),
    "Choose a model folder": ("Einen Modellordner wählen", "选择模型文件夹"),
    ("Describe the photo you are looking for, in any language and as long as you like: \u201cthe kid in the yellow "
     "raincoat jumping into a puddle next to a red bicycle, late afternoon\u201d"): (
        "Beschreiben Sie das gesuchte Foto, in jeder Sprache und so ausführlich Sie wollen: „das Kind im gelben "
        "Regenmantel, das neben einem roten Fahrrad in eine Pfütze springt, später Nachmittag“",
        "用任何语言、随意详细地描述您要找的照片：“穿黄色雨衣的孩子在红色自行车旁跳进水坑，傍晚”"),
    "Search query": ("Suchanfrage", "搜索内容"),
    "unknown date": ("unbekanntes Datum", "日期未知"),
    "{0}\n{1} \u00b7 similarity {2:.3f}": ("{0}\n{1} \u00b7 Ähnlichkeit {2:.3f}", "{0}\n{1} \u00b7 相似度 {2:.3f}"),
    "Search": ("Suchen", "搜索"),
    "Counted in the model's word pieces; long or rare words count as several": (
        "Gezählt in den Wortteilen des Modells; lange oder seltene Wörter zählen mehrfach",
        "按模型的词片计数；较长或少见的词会算作多个"),
    "Results": ("Ergebnisse", "结果"),
    "Add a folder\u2026": ("Ordner hinzufügen\u2026", "添加文件夹\u2026"),
    "{0:,} photos": ("{0:,} Fotos", "{0:,} 张照片"),
    "1 photo": ("1 Foto", "1 张照片"),
    "Your description has {0} words; the model reads the first {1}, so the rest did not count.": (
        "Ihre Beschreibung hat {0} Wörter; das Modell liest die ersten {1}, der Rest zählte nicht.",
        "您的描述有 {0} 个词；模型只读取前 {1} 个，其余部分未被计入。"),
    "{0} / {1} words": ("{0} / {1} Wörter", "{0} / {1} 个词"),
    "Only the first {0} words will be read; the rest of your description will not count.": (
        "Nur die ersten {0} Wörter werden gelesen; der Rest Ihrer Beschreibung zählt nicht.",
        "只会读取前 {0} 个词；描述的其余部分不会被计入。"),
    "Add a folder of photos to start searching.": (
        "Fügen Sie einen Fotoordner hinzu, um mit der Suche zu beginnen.", "添加一个照片文件夹即可开始搜索。"),
    "Your photos are being indexed. You can search already: results appear as photos are indexed.": (
        "Ihre Fotos werden indiziert. Sie können schon suchen: Ergebnisse erscheinen, sobald Fotos indiziert sind.",
        "正在为您的照片建立索引。现在就可以搜索：照片建立索引后即会出现在结果中。"),
    ("Describe a photo above, in any language and in as much detail as you like, or drop a photo here to find "
     "similar ones."): (
        "Beschreiben Sie oben ein Foto, in jeder Sprache und so genau Sie möchten, oder ziehen Sie ein Foto hierher, "
        "um ähnliche zu finden.", "在上方用任何语言、尽可能详细地描述一张照片，或把照片拖到这里来查找相似的照片。"),
    "No photos match. Try fewer filters or a lower cut-off.": (
        "Keine passenden Fotos. Versuchen Sie weniger Filter oder eine niedrigere Schwelle.",
        "没有匹配的照片。请减少筛选条件或降低阈值。"),
    "Details": ("Details", "详细信息"),
    "Find similar photos": ("Ähnliche Fotos finden", "查找相似照片"),
    "Settings": ("Einstellungen", "设置"),
    "Automatic (GPU when there is one)": ("Automatisch (GPU, wenn vorhanden)", "自动（有 GPU 时使用 GPU）"),
    " min": (" min", " 分钟"),
    "never": ("nie", "从不"),
    "Device": ("Gerät", "设备"),
    "Free the text model after": ("Textmodell freigeben nach", "文本模型空闲释放时间"),
    "Thumbnail cache": ("Vorschaubild-Cache", "缩略图缓存"),
    ("A new model indexes your photos beside the current one; searches keep using the current model until it is "
     "done. A new device takes effect at the next start."): (
        "Ein neues Modell indiziert Ihre Fotos neben dem aktuellen; bis es fertig ist, sucht weiterhin das aktuelle "
        "Modell. Ein neues Gerät gilt ab dem nächsten Start.",
        "新模型会在当前模型之外为您的照片建立索引；完成之前搜索仍使用当前模型。新的设备设置在下次启动时生效。"),
    "File missing": ("Datei fehlt", "文件丢失"),
    "Cannot show": ("Nicht darstellbar", "无法显示"),
    ("This library was made by a newer version of PhotoSearch, so this version leaves it untouched. Update "
     "PhotoSearch to use it.\n\n{0}"): (
        "Diese Bibliothek wurde von einer neueren PhotoSearch-Version erstellt, daher lässt diese Version sie "
        "unverändert. Aktualisieren Sie PhotoSearch, um sie zu verwenden.\n\n{0}",
        "此照片库由更新版本的 PhotoSearch 创建，因此本版本不会改动它。请更新 PhotoSearch 后再使用。\n\n{0}"),
    "The library cannot be opened.\n\n{0}": ("Die Bibliothek kann nicht geöffnet werden.\n\n{0}", "无法打开照片库。\n\n{0}"),
    # the Fine-tune window
    "&Tools": ("E&xtras", "工具(&T)"),
    "Fine-tune a model\u2026": ("Modell feinabstimmen\u2026", "微调模型\u2026"),
    "Fine-tune a model": ("Modell feinabstimmen", "微调模型"),
    "Album": ("Album", "相册"),
    "Album folder": ("Albumordner", "相册文件夹"),
    "Folder\u2026": ("Ordner\u2026", "文件夹\u2026"),
    "List file\u2026": ("Listendatei\u2026", "列表文件\u2026"),
    "A folder of photos with captions, or a CSV/JSONL list": (
        "Ein Ordner mit beschrifteten Fotos oder eine CSV/JSONL-Liste", "带说明文字的照片文件夹，或 CSV/JSONL 列表"),
    ("Captions are read from .txt files beside the photos, XMP, EXIF or IPTC descriptions, or a CSV/JSONL list "
     "(path, caption[, short caption])."): (
        "Beschriftungen kommen aus .txt-Dateien neben den Fotos, aus XMP-, EXIF- oder IPTC-Beschreibungen oder aus "
        "einer CSV/JSONL-Liste (Pfad, Beschriftung[, kurze Beschriftung]).",
        "说明文字读取自照片旁的 .txt 文件、XMP、EXIF 或 IPTC 描述，或 CSV/JSONL 列表（路径、说明[、简短说明]）。"),
    "Caption list": ("Beschriftungsliste", "说明列表"),
    "Caption lists (*.csv *.tsv *.jsonl)": ("Beschriftungslisten (*.csv *.tsv *.jsonl)", "说明列表 (*.csv *.tsv *.jsonl)"),
    "Recipe": ("Verfahren", "方法"),
    "Long-CLIP: long captions, keeps short ones working": (
        "Long-CLIP: lange Beschriftungen, kurze funktionieren weiter", "Long-CLIP：长说明，短说明依然可用"),
    "LLM2CLIP stage 2: align photos with the language model": (
        "LLM2CLIP Stufe 2: Fotos am Sprachmodell ausrichten", "LLM2CLIP 第 2 阶段：让照片与语言模型对齐"),
    "LLM2CLIP stage 1: teach the language model your captions": (
        "LLM2CLIP Stufe 1: dem Sprachmodell Ihre Beschriftungen beibringen", "LLM2CLIP 第 1 阶段：让语言模型学习您的说明"),
    ("Trains both towers of a Long-CLIP (or any 77-token CLIP, stretched to 248 tokens) on your long captions. A "
     "GPU with 16 GB or more; a CPU only for small albums and patience."): (
        "Trainiert beide Türme eines Long-CLIP (oder eines beliebigen CLIP mit 77 Tokens, auf 248 gestreckt) mit "
        "Ihren langen Beschriftungen. Eine GPU mit 16 GB oder mehr; eine CPU nur für kleine Alben und mit Geduld.",
        "用您的长说明训练 Long-CLIP 的两个塔（或任何 77 个词元的 CLIP，扩展到 248 个）。需要 16 GB 以上显存的 GPU；"
        "CPU 只适合小相册，且需要耐心。"),
    ("Trains the image tower and the adaptor; the language model's caption vectors are computed once and cached. "
     "Start from an LLM2CLIP model or a stage-1 result. A 24 GB GPU for the 1B pair."): (
        "Trainiert den Bildturm und den Adapter; die Beschriftungsvektoren des Sprachmodells werden einmal berechnet "
        "und zwischengespeichert. Start mit einem LLM2CLIP-Modell oder einem Ergebnis aus Stufe 1. Eine GPU mit "
        "24 GB für das 1B-Paar.",
        "训练图像塔和适配器；语言模型的说明向量只计算一次并缓存。从 LLM2CLIP 模型或第 1 阶段的结果开始。"
        "1B 组合需要 24 GB 显存的 GPU。"),
    ("Adapts the language model (LoRA) to tell your captions apart; follow it with stage 2 so photos match "
     "again. A 24 GB GPU for the 1B model."): (
        "Passt das Sprachmodell (LoRA) an, damit es Ihre Beschriftungen unterscheidet; danach Stufe 2, damit Fotos "
        "wieder passen. Eine GPU mit 24 GB für das 1B-Modell.",
        "用 LoRA 调整语言模型，使其能区分您的说明；之后运行第 2 阶段，让照片重新对齐。1B 模型需要 24 GB 显存的 GPU。"),
    "Start from": ("Ausgangsmodell", "起始模型"),
    "Model folder": ("Modellordner", "模型文件夹"),
    "Epochs": ("Epochen", "轮数"),
    "Save to": ("Speichern in", "保存到"),
    "Save the run in": ("Lauf speichern in", "将训练保存到"),
    "Time": ("Dauer", "时间"),
    "Reading the album\u2026": ("Album wird gelesen\u2026", "正在读取相册\u2026"),
    "Known once the album is read.": ("Bekannt, sobald das Album gelesen ist.", "读取相册后可知。"),
    "About %1 on this computer (a rough figure; the progress below measures the real one).": (
        "Etwa %1 auf diesem Computer (grob geschätzt; der Fortschritt unten misst die tatsächliche Dauer).",
        "在这台电脑上约需 %1（粗略估计；下方进度会测出实际时间）。"),
    "Measured in the first minute of training (shown below).": (
        "Wird in der ersten Trainingsminute gemessen (unten angezeigt).", "在训练的第一分钟内测出（显示在下方）。"),
    "Start": ("Starten", "开始"),
    "Stop": ("Anhalten", "停止"),
    "Close": ("Schließen", "关闭"),
    "Search with this model": ("Mit diesem Modell suchen", "用此模型搜索"),
    "before R@1": ("vorher R@1", "之前 R@1"),
    "after R@1": ("nachher R@1", "之后 R@1"),
    "Choose an album, a model to start from and a folder to save in.": (
        "Wählen Sie ein Album, ein Ausgangsmodell und einen Ordner zum Speichern.", "请选择相册、起始模型和保存文件夹。"),
    "Resuming\u2026": ("Wird fortgesetzt\u2026", "正在继续\u2026"),
    "Stopping after this step\u2026": ("Hält nach diesem Schritt an\u2026", "将在此步后停止\u2026"),
    ", about %1 left": (", noch etwa %1", "，约剩 %1"),
    ", loss %1": (", Verlust %1", "，损失 %1"),
    "Training: step %1 of %2": ("Training: Schritt %1 von %2", "训练：第 %1 步，共 %2 步"),
    "Measuring recall on the held-out photos\u2026": (
        "Trefferquote auf den zurückgehaltenen Fotos wird gemessen\u2026", "正在用预留照片测量召回率\u2026"),
    "Loading the model and the album\u2026": ("Modell und Album werden geladen\u2026", "正在加载模型和相册\u2026"),
    "Stopped at step %1. Start again to resume from there.": (
        "Bei Schritt %1 angehalten. Erneut starten, um dort fortzusetzen.", "已在第 %1 步停止。再次开始即可从那里继续。"),
    " %1 steps were skipped (non-finite loss).": (
        " %1 Schritte wurden übersprungen (Verlust nicht endlich).", " 跳过了 %1 步（损失值非有限）。"),
    "Done. The model is in %1.": ("Fertig. Das Modell liegt in %1.", "完成。模型位于 %1。"),
    ("The library now searches with the new model; it indexes your photos with it in the background."): (
        "Die Bibliothek sucht jetzt mit dem neuen Modell; es indiziert Ihre Fotos im Hintergrund.",
        "照片库现在使用新模型搜索；新模型会在后台为您的照片建立索引。"),
    "Stop fine-tuning?": ("Feinabstimmung anhalten?", "停止微调？"),
    "Training stops after the current step; start the same run again to resume it.": (
        "Das Training hält nach dem aktuellen Schritt an; starten Sie denselben Lauf erneut, um fortzusetzen.",
        "训练会在当前步骤后停止；再次开始同一训练即可继续。"),
    "Training loss": ("Trainingsverlust", "训练损失"),
    "The loss appears here once training runs": ("Der Verlust erscheint hier, sobald das Training läuft",
                                                "训练开始后，损失曲线显示在这里"),
    "step %1 of %2": ("Schritt %1 von %2", "第 %1 步，共 %2 步"),
    "Downloading the model: %1 of %2 MB": ("Modell wird heruntergeladen: %1 von %2 MB", "正在下载模型：%1 / %2 MB"),
    "Computing caption vectors once: %1 of %2": (
        "Beschriftungsvektoren werden einmalig berechnet: %1 von %2", "正在一次性计算说明向量：%1 / %2"),
    "Models in this library": ("Modelle dieser Bibliothek", "此照片库中的模型"),
    "Remove model\u2026": ("Modell entfernen\u2026", "移除模型\u2026"),
    "Remove model": ("Modell entfernen", "移除模型"),
    "Forget this model and its vectors (the photos stay indexed for the others)": (
        "Dieses Modell und seine Vektoren vergessen (die Fotos bleiben für die anderen indiziert)",
        "删除此模型及其向量（照片仍为其他模型保留索引）"),
    "{0} \u00b7 {1:,} photos embedded": ("{0} \u00b7 {1:,} Fotos eingebettet", "{0} \u00b7 已嵌入 {1:,} 张照片"),
    ("Remove the model {0} and its vectors of {1:,} photos from this library? The photos stay on disk, and indexed "
     "for the other models."): (
        "Das Modell {0} und seine Vektoren von {1:,} Fotos aus dieser Bibliothek entfernen? Die Fotos bleiben auf der "
        "Festplatte und für die anderen Modelle indiziert.",
        "要从此照片库中移除模型 {0} 及其 {1:,} 张照片的向量吗？照片仍保留在磁盘上，并为其他模型保留索引。"),
    ("It is the only model with vectors: nothing can be searched until every photo is embedded again with another "
     "model."): (
        "Es ist das einzige Modell mit Vektoren: Bis alle Fotos mit einem anderen Modell neu eingebettet sind, kann "
        "nichts gesucht werden.",
        "这是唯一带有向量的模型：在用另一个模型重新嵌入所有照片之前，将无法搜索。"),
    "Removed the model {0} and its vectors.": ("Das Modell {0} und seine Vektoren wurden entfernt.",
                                               "已移除模型 {0} 及其向量。"),
    "Copy text": ("Text kopieren", "复制文字"),
    "Put the words read in this photo on the clipboard": (
        "Die in diesem Foto gelesenen Wörter in die Zwischenablage kopieren", "将此照片中识别出的文字复制到剪贴板"),
    "Read words inside photos": ("Wörter in Fotos lesen", "读取照片中的文字"),
    ("Find receipts, signs, screenshots and slides by the text in them. Words are read after indexing, at a lower "
     "priority; changing this restarts indexing, and every program indexing this library follows it."): (
        "Findet Kassenbons, Schilder, Bildschirmfotos und Folien anhand ihres Textes. Die Wörter werden nach der "
        "Indizierung mit niedrigerer Priorität gelesen; eine Änderung startet die Indizierung neu, und jedes "
        "Programm, das diese Bibliothek indiziert, richtet sich danach.",
        "按照片中的文字查找收据、招牌、截图和幻灯片。文字在建立索引之后以较低优先级读取；更改此项会重新开始建立索引，"
        "所有为此照片库建立索引的程序都会遵循此设置。"),
    "Reading words in photos: {0:,} of {1:,}": ("Wörter in Fotos werden gelesen: {0:,} von {1:,}",
                                                 "正在读取照片中的文字：{0:,} / {1:,}"),
    "Text": ("Text", "文字"),
    "Text in photo": ("Text im Foto", "照片中的文字"),
    "Text in photo: could not be read": ("Text im Foto: konnte nicht gelesen werden", "照片中的文字：无法读取"),
    "Text in photo: none": ("Text im Foto: keiner", "照片中的文字：无"),
    "Text in photo: not read yet": ("Text im Foto: noch nicht gelesen", "照片中的文字：尚未读取"),
    "Text: {0:,} of {1:,} photos read, {2:,} with text": ("Text: {0:,} von {1:,} Fotos gelesen, {2:,} mit Text",
                                                           "文字：已读取 {1:,} 张照片中的 {0:,} 张，{2:,} 张含文字"),
    "Words in photos are not read here: {0}": ("Wörter in Fotos werden hier nicht gelesen: {0}",
                                               "此处不读取照片中的文字：{0}"),
    "Words in the photo: {0}": ("Wörter im Foto: {0}", "照片中的文字：{0}"),
    "reading is turned off in Settings": ("Lesen ist in den Einstellungen ausgeschaltet", "已在设置中关闭读取"),
}


def fill(lang: str, column: int) -> list[str]:
    path = HERE / f"photosearch_{lang}.ts"
    tree = ET.parse(path)
    missing = []
    for message in tree.getroot().iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if source in T:
            translation.text = T[source][column]
            translation.attrib.pop("type", None)
        else:
            missing.append(source)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return missing


def main() -> int:
    missing = fill("de", 0) + fill("zh_CN", 1)
    lrelease = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name("pyside6-lrelease"))
    for lang in ("de", "zh_CN"):
        subprocess.run([lrelease, str(HERE / f"photosearch_{lang}.ts"), "-qm", str(HERE / f"photosearch_{lang}.qm")],
                       check=True, capture_output=True)
    for source in sorted(set(missing)):
        print(f"untranslated: {source!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
